/**
 * Human output goes to stderr (stdout is reserved for `--json` summaries). `Progress` redraws a
 * single line on a terminal and prints plain periodic lines otherwise (CI logs, `2> file`).
 */

const isTTY = (): boolean => Boolean(process.stderr.isTTY);

export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressOptions {
  /** Label at the start of each line, e.g. the stage name. */
  label: string;
  /** Total input bytes, when known, for a percentage and ETA. */
  totalBytes?: number;
  /** Seconds between plain lines when stderr is not a terminal (default 10). */
  plainEverySec?: number;
  /** Suppress all output (tests, `--quiet`). */
  silent?: boolean;
}

/** Throughput reporting: documents/s, MB/s and ETA. */
export class Progress {
  private docs = 0;
  private bytes = 0;
  private readonly start = Date.now();
  /** The first plain line comes one period after the start, not at once. */
  private last = Date.now();
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {}

  /** Adds processed documents and input bytes; prints when due. */
  add(docs: number, bytes: number): void {
    this.docs += docs;
    this.bytes += bytes;
    if (this.opts.silent) return;
    const now = Date.now();
    const every = isTTY() ? 200 : (this.opts.plainEverySec ?? 10) * 1000;
    if (now - this.last < every) return;
    this.last = now;
    this.print(false);
  }

  /** Prints the final line (on a terminal, replaces the live line). */
  done(): void {
    if (!this.opts.silent && (this.drawn || !isTTY())) this.print(true);
  }

  private line(): string {
    const sec = Math.max((Date.now() - this.start) / 1000, 1e-3);
    const mb = this.bytes / 1e6;
    let s = `${this.opts.label}: ${this.docs} docs, ${mb.toFixed(1)} MB, ${(this.docs / sec).toFixed(0)} docs/s, ${(mb / sec).toFixed(2)} MB/s`;
    const total = this.opts.totalBytes;
    if (total && total > 0) {
      const frac = Math.min(this.bytes / total, 1);
      const eta = frac > 0 ? (sec * (1 - frac)) / frac : NaN;
      s += `, ${(frac * 100).toFixed(0)}%, ETA ${formatDuration(eta)}`;
    }
    return s;
  }

  private print(final: boolean): void {
    if (isTTY()) {
      process.stderr.write(`\r\x1b[2K${this.line()}${final ? '\n' : ''}`);
      this.drawn = !final;
    } else {
      process.stderr.write(`${this.line()}\n`);
    }
  }
}
