// seqlab's own version, read once from package.json (the one place it is
// set), for the provenance of exports: run.json and ONNX producer_version.
import fs from 'node:fs';

let cached: string | undefined;

export function seqlabVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
    cached = pkg.version;
  }
  return cached;
}
