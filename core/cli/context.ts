// What every command needs: the data folder, the history, and output that is
// either human (with colour and progress bars on a terminal) or --json.
import pc from 'picocolors';
import { ensureDataDir, resolveDataDir } from '../storage/data-dir.ts';
import { History } from '../storage/history.ts';

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

export class CliContext {
  readonly dataDir: string;
  readonly json: boolean;
  private opened?: History;

  constructor(opts: GlobalOptions) {
    this.dataDir = resolveDataDir({ dataDir: opts.dataDir });
    this.json = Boolean(opts.json);
  }

  /** The history, opened on first use (which also marks dead runs as crashed). */
  get history(): History {
    if (!this.opened) {
      ensureDataDir(this.dataDir);
      this.opened = History.open(this.dataDir);
      if (this.opened.readOnlyReason) this.note(`note: ${this.opened.readOnlyReason}`);
    }
    return this.opened;
  }

  close(): void {
    this.opened?.close();
  }

  /** One JSON value per line on stdout. */
  emit(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Human output (suppressed with --json). */
  say(line = ''): void {
    if (!this.json) process.stdout.write(`${line}\n`);
  }

  /** Status notes go to stderr so stdout stays clean for pipes. */
  note(line: string): void {
    process.stderr.write(`${pc.dim(line)}\n`);
  }
}

/**
 * Formats a loss: in nats with its bits-per-symbol equivalent for categorical
 * tasks, plain for the others (NLL per step of music, MSE of the adding problem).
 */
export function formatLoss(value: number | null | undefined, unit: 'nats' | 'nats per step' | 'MSE' = 'nats'): string {
  if (value === null || value === undefined) return '-';
  if (unit === 'nats') return `${value.toFixed(4)} (${(value / Math.LN2).toFixed(3)} bits)`;
  return `${value.toPrecision(5)} ${unit === 'MSE' ? 'MSE' : 'nats/step'}`;
}

/** Renders rows as an aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r, j) => {
      const line = r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
      return j === 0 ? pc.bold(line) : line;
    })
    .join('\n');
}
