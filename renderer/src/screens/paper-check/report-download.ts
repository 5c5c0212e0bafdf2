// Saving the paper-check report: Electron asks where (a save dialog) and the
// core writes the folder there; browser mode writes it under the server's data
// folder and downloads it as a .zip through the token-protected
// GET /api/report-zip (core/server/lab-server.ts), found by its name alone.
import { lab } from '../../lib/lab-client.ts';

/** The .zip URL of report folder `outDir` (its last path segment names it). */
export function reportZipUrl(outDir: string): string {
  const name = outDir.split(/[\\/]/).filter(Boolean).at(-1) ?? '';
  return `/api/report-zip?name=${encodeURIComponent(name)}`;
}

/** Writes the report; in browser mode also starts the .zip download. Null when the dialog was cancelled. */
export async function saveReport(): Promise<{ outDir: string; download: string | null } | null> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const picked = await lab.pickExportFolder(`paper-check-${stamp}`);
  if (picked === null) return null;
  const r = await lab.request('writePaperCheckReport', picked ? { outDir: picked } : {});
  if (picked) return { outDir: r.outDir, download: null };
  const url = reportZipUrl(r.outDir);
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
  return { outDir: r.outDir, download: url };
}
