// Refuses a file the lab cannot import before any byte is uploaded: by its
// extension (the core's list, core/contract/kinds.ts) and by its first bytes
// (a MIDI file starts "MThd", a WAV "RIFF…WAVE", a PNG renamed .txt is still
// a PNG). The message names the file and the types accepted.
import { DATASET_FILE_EXTENSIONS, datasetKindOfFile, type FileDatasetKind } from '../../../core/contract/kinds.ts';

/** "text (.txt), music (.mid, .midi, .json), audio (.wav, …)". */
export function acceptedTypes(): string {
  return (Object.entries(DATASET_FILE_EXTENSIONS) as [string, readonly string[]][])
    .filter(([, exts]) => exts.length > 0)
    .map(([kind, exts]) => `${kind} (${exts.join(', ')})`)
    .join(', ');
}

/** Well-known binary formats, named so that a refusal says what the file is. */
const FOREIGN: { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'a PNG image', test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { name: 'a JPEG image', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { name: 'a GIF image', test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { name: 'a PDF document', test: (b) => ascii(b, 0, 5) === '%PDF-' },
  { name: 'a ZIP archive (or an Office document)', test: (b) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04 },
  { name: 'a gzip archive', test: (b) => b[0] === 0x1f && b[1] === 0x8b },
];

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** Whether the first bytes fit the kind the extension claims; the reason when they do not. */
export function checkMagic(name: string, kind: FileDatasetKind, head: Uint8Array): string | null {
  const foreign = FOREIGN.find((f) => f.test(head));
  if (foreign) return `${name}: its bytes are ${foreign.name}, not ${kind}`;
  const lower = name.toLowerCase();
  const trimmed = ascii(head, 0, head.length)
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart();
  if (lower.endsWith('.mid') || lower.endsWith('.midi'))
    return ascii(head, 0, 4) === 'MThd' ? null : `${name}: not a MIDI file (it does not start with "MThd")`;
  if (lower.endsWith('.json'))
    return trimmed.startsWith('{') || trimmed.startsWith('[') || head.length === 0
      ? null
      : `${name}: not JSON (a piano-roll file starts with "{")`;
  if (lower.endsWith('.wav') || lower.endsWith('.wave'))
    return ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE' ? null : `${name}: not a WAV file (no RIFF/WAVE header)`;
  if (lower.endsWith('.flac')) return ascii(head, 0, 4) === 'fLaC' ? null : `${name}: not a FLAC file (it does not start with "fLaC")`;
  if (lower.endsWith('.ogg') || lower.endsWith('.oga') || lower.endsWith('.opus'))
    return ascii(head, 0, 4) === 'OggS' ? null : `${name}: not an Ogg file (it does not start with "OggS")`;
  if (lower.endsWith('.mp3'))
    return ascii(head, 0, 3) === 'ID3' || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)
      ? null
      : `${name}: not an MP3 file (no ID3 tag or frame header)`;
  // Text: UTF-16 has NULs, so only text without a byte-order mark is checked for them.
  const bom16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (kind === 'text' && !bom16 && head.includes(0)) return `${name}: holds NUL bytes, so it is binary, not text`;
  return null;
}

/**
 * The reasons to refuse `files` (empty: all importable), from their names and
 * first 4 KiB. Every unsupported file is named.
 */
export async function refuseUnsupported(files: readonly File[]): Promise<string[]> {
  const reasons: string[] = [];
  for (const f of files) {
    const kind = datasetKindOfFile(f.name);
    if (!kind) {
      reasons.push(`${f.name}: not a type Sequence Lab imports`);
      continue;
    }
    const head = new Uint8Array(await f.slice(0, 4096).arrayBuffer());
    const bad = checkMagic(f.name, kind, head);
    if (bad) reasons.push(bad);
  }
  return reasons;
}
