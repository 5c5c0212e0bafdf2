// Names and folders of datasets: one rule for every import.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FieldError } from '../contract/structured-error.ts';

const NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N}._ -]{0,63}$/u;

export function checkDatasetName(name: string): string {
  if (!NAME_RE.test(name))
    throw new FieldError('name', `"${name}" must be 1-64 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit`);
  return name;
}

/** Folder for a new dataset's files: <dataDir>/datasets/<slug>-<random>. */
export function newDatasetFolder(dataDir: string, name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'dataset';
  const dir = path.join(dataDir, 'datasets', `${slug}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
