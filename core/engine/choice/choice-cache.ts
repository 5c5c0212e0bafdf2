// `auto`'s decisions, kept in the data folder (backend-choices.json) so a
// workload class is measured once per machine. A missing, unreadable or
// foreign file is an empty cache: the worst case is measuring again.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BACKEND_NAMES } from '../../ml/train/train-config.ts';
import type { BackendChoice } from './choose-backend.ts';

export const CHOICE_FILE = 'backend-choices.json';
const VERSION = 1;

const rungName = z.enum(BACKEND_NAMES).exclude(['auto']);
const choiceSchema = z.object({
  machine: z.string(),
  workload: z.string(),
  backend: rungName,
  label: z.string(),
  figures: z.array(z.object({ backend: rungName, label: z.string(), tokensPerSec: z.number().nullable(), error: z.string().optional() })),
  measuredAt: z.string(),
});
const fileSchema = z.object({ version: z.literal(VERSION), choices: z.array(z.unknown()) });

export function choiceFilePath(dataDir: string): string {
  return path.join(dataDir, CHOICE_FILE);
}

/** Every valid decision in the file; entries that do not parse are skipped. */
export function readChoices(dataDir: string): BackendChoice[] {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(choiceFilePath(dataDir), 'utf8'));
  } catch {
    return [];
  }
  const file = fileSchema.safeParse(raw);
  if (!file.success) return [];
  return file.data.choices.flatMap((c) => {
    const parsed = choiceSchema.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * Adds `choice`, replacing any earlier one for the same machine and workload.
 * Written to a temporary file and renamed, so a reader never sees half a file.
 * Two runs deciding at once may lose the other's entry (read, add, write): the
 * cache only saves measuring, so a lost entry costs one more measurement later.
 */
export function saveChoice(dataDir: string, choice: BackendChoice): void {
  const choices = readChoices(dataDir).filter((c) => !(c.machine === choice.machine && c.workload === choice.workload));
  choices.push(choice);
  const file = choiceFilePath(dataDir);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ version: VERSION, choices }, null, 2)}\n`);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // e.g. a full disk: leave no temporary file behind
    throw e;
  }
}
