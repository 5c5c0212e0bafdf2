// Browser mode serves a recorded export folder as a streamed .zip
// (GET /api/export-zip, core/server/lab-server.ts); the page's token cookie
// authorises the download like every other request.

/** The download URL of export folder `path` of run `runId`. */
export function exportZipUrl(runId: number, path: string): string {
  return `/api/export-zip?run=${runId}&path=${encodeURIComponent(path)}`;
}

/** The download URL of experiment `experimentId`'s CSV + PNG export folder `path` (one exportExperiment made in the data folder). */
export function experimentZipUrl(experimentId: number, path: string): string {
  return `/api/export-zip?experiment=${experimentId}&path=${encodeURIComponent(path)}`;
}
