import { styleText } from 'node:util';

/** Exit codes of `tfstate`. */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  LOCKED: 3,
  /** `tfstate locks`: at least one held lock matches (stale locks with -older-than), for cron and CI. */
  LOCKS_FOUND: 4,
  /**
   * stdout's reader went away (`tfstate outputs | head -1`): what a shell reports for Terraform, which
   * dies of SIGPIPE at its next write (128 + 13). See {@link watchStdout}.
   */
  BROKEN_PIPE: 141,
} as const;

/** An error the CLI reports as-is (message names the problem and the fix) with a chosen exit code. */
export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number = EXIT.ERROR) {
    super(message);
    this.name = 'CliError';
  }
}

/** A Terraform-style diagnostic (summary + detail). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  readonly path?: readonly (string | number)[];
}

/** Where the CLI writes, and whether those streams are terminals (colour, tables, progress). */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const io: Io = { stdout: process.stdout, stderr: process.stderr };

type Style = Parameters<typeof styleText>[0];

/** `text` in `style` when the stream is a terminal, else unchanged. */
export function paint(style: Style, text: string, stream: { isTTY?: boolean } = io.stdout): string {
  return stream.isTTY ? styleText(style, text) : text;
}

/** Whether stdout's reader went away (EPIPE), or writing to it failed otherwise, during this run. */
let stdoutGone = false;
let stdoutFailed = false;

/**
 * The process entry's handler of stdout errors. A reader that closes early (`| head`) makes the next
 * write fail with EPIPE, emitted on process.stdout: unhandled, that is a crash with a stack trace
 * (and a streamed pull reported it as an interrupted read). Terraform dies of SIGPIPE there, silently;
 * the CLI stops writing, lets the command finish (a lock taken is released, temporary files go) and
 * exits {@link EXIT.BROKEN_PIPE} with nothing on stderr. Other stdout errors are reported.
 */
export function watchStdout(stream: NodeJS.EventEmitter = process.stdout, errors: NodeJS.EventEmitter = process.stderr): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') {
      stdoutGone = true;
      return;
    }
    if (!stdoutFailed) note(`Error: writing to stdout failed: ${e.message}`);
    stdoutFailed = true;
  });
  // stderr into the same pipe (`2>&1 | head`): its reader is gone too, and there is nowhere to say more.
  errors.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stdoutGone = true;
  });
}

/** True when stdout's reader went away and `e` is that failure (an EPIPE, possibly as a cause). */
export function isBrokenStdout(e: unknown): boolean {
  for (let x = e, depth = 0; stdoutGone && x && typeof x === 'object' && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if ((x as NodeJS.ErrnoException).code === 'EPIPE') return true;
  }
  return false;
}

/** The exit code of a finished command: {@link EXIT.BROKEN_PIPE} or 1 when it succeeded but its output did not get out. */
export function finalExitCode(code: number): number {
  if (code !== EXIT.OK) return code;
  return stdoutGone ? EXIT.BROKEN_PIPE : stdoutFailed ? EXIT.ERROR : code;
}

/** Writes a line to stdout. */
export function out(line: string): void {
  io.stdout.write(line.endsWith('\n') ? line : line + '\n');
}

/** Writes a line to stderr. */
export function note(line: string): void {
  io.stderr.write(line.endsWith('\n') ? line : line + '\n');
}

/** Prints `value` as indented JSON on stdout. */
export function printJson(value: unknown): void {
  out(JSON.stringify(value, undefined, 2));
}

/** The width Terraform wraps diagnostics to: the terminal's, else 78 columns (`terminal.defaultColumns`). */
export function diagnosticWidth(stream: { isTTY?: boolean; columns?: number } = io.stderr): number {
  return stream.isTTY && stream.columns ? stream.columns : 78;
}

/**
 * Word-wraps one line at `limit` characters the way Terraform's diagnostics do (mitchellh/go-wordwrap
 * `WrapString`): breaks only at white space, drops the spaces at a break, and leaves a word longer
 * than the limit whole on its own line.
 */
export function wrapLine(text: string, limit: number): string {
  let wrapped = '';
  let column = 0;
  let spaces = '';
  let word = '';
  const flush = () => {
    column += [...spaces].length + [...word].length;
    wrapped += spaces + word;
    spaces = '';
    word = '';
  };
  for (const ch of text) {
    if (ch === '\n') {
      if (word === '' && column + [...spaces].length > limit) spaces = '';
      flush();
      wrapped += ch;
      column = 0;
    } else if (/\s/u.test(ch) && ch !== '\u00a0' && ch !== '\ufeff') {
      if (spaces === '' || word !== '') flush();
      spaces += ch;
    } else {
      word += ch;
      const wordLength = [...word].length;
      if (column + wordLength + [...spaces].length > limit && wordLength < limit) {
        wrapped += '\n';
        column = 0;
        spaces = '';
      }
    }
  }
  if (word === '' && column + [...spaces].length > limit) spaces = '';
  return wrapped + spaces + word;
}

/**
 * Terraform's diagnostic box (`command/format/diagnostic.go`, `DiagnosticFromJSON`):
 * ```
 * ╷
 * │ Error: Summary
 * │
 * │ Detail
 * ╵
 * ```
 * Detail lines are wrapped to the stream's width less the rule (lines starting with a space are
 * kept as they are); empty lines get the rule without its trailing space.
 */
export function formatDiagnostic(d: Diagnostic, stream: { isTTY?: boolean; columns?: number } = io.stderr): string {
  const title = d.severity === 'error' ? paint('red', 'Error:', stream) : paint('yellow', 'Warning:', stream);
  const where = d.path && d.path.length > 0 ? `\n│   on backend attribute "${d.path.join('.')}"` : '';
  const width = diagnosticWidth(stream) - 3;
  const detail = d.detail.split('\n').map((l) => (l.startsWith(' ') ? l : wrapLine(l, width))).join('\n');
  const body = d.detail === '' ? '' : detail.split('\n').map((l) => (l === '' ? '│\n' : `│ ${l}\n`)).join('');
  return `╷\n│ ${title} ${paint('bold', d.summary, stream)}${where}\n│\n${body}╵\n`;
}

/** Prints a list of rows as a table on a terminal, or tab-separated lines otherwise. */
export function printTable(head: string[], rows: string[][]): void {
  if (io.stdout.isTTY) {
    // Loaded lazily: only terminals get tables.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Table = require('cli-table3');
    const table = new Table({ head: head.map((h) => styleText('bold', h)), style: { head: [] } });
    for (const row of rows) table.push(row);
    out(table.toString());
    return;
  }
  out(head.join('\t'));
  for (const row of rows) out(row.join('\t'));
}

/** A human size: `512 B`, `1.2 KiB`, `3.4 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export { formatAge } from '../protocol/format-age';

/** Size above which transfers report progress on a terminal. */
export const PROGRESS_THRESHOLD_BYTES = 4 * 1024 * 1024;

/** Reports a transfer on stderr when it is large and stderr is a terminal; returns a function ending it. */
export function progress(verb: string, bytes: number): () => void {
  if (!io.stderr.isTTY || bytes < PROGRESS_THRESHOLD_BYTES) return () => undefined;
  const started = Date.now();
  io.stderr.write(`${verb} ${formatSize(bytes)}...`);
  return () => io.stderr.write(` done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
}
