import { parseGoDuration } from '../protocol/go-time';

/**
 * Terraform spells its long options with one dash (`-backend-config=x`, `-chdir=dir`, `-force`);
 * commander expects two. Terraform users type the former, so the known long option names are
 * rewritten before commander sees them. Anything else (`-`, `-h`, values, unknown words) is kept.
 */
export const LONG_OPTIONS = new Set([
  'backend-config',
  'chdir',
  'workspace',
  'stack',
  'force',
  'version-id',
  'operation',
  'info',
  'timeout',
  'lock',
  'lock-timeout',
  'older-than',
  'raw',
  'json',
  'format',
  'or-create',
  'redact', 'lockfile-only', 'dry-run', 'show-sensitive',
  'all-workspaces',
  'writers',
  'help',
  'version',
]);

/** Options that take a value, so the word after them is a value and never rewritten. */
const VALUE_OPTIONS = new Set(['backend-config', 'chdir', 'workspace', 'stack', 'version-id', 'operation', 'info', 'timeout', 'lock-timeout', 'older-than', 'format']);

/**
 * Go boolean flags (`-lock`, `-lock=false`): the value is only ever attached with `=`, so the word
 * after a bare `-lock` is never its value (Go's `flag` package). Commander sees `--lock=VALUE` always.
 */
const BOOL_VALUE_OPTIONS = new Set(['lock', 'writers']);

/** What an option looks like: a lowercase name after one or two dashes (`-json`, `--lock-timeout=30s`, `-h`). */
const OPTION_SHAPE = /^--?([a-z][a-z0-9-]*)(=.*)?$/;

/**
 * Marks a long positional word that starts with a dash but cannot be an option, such as an S3 version ID
 * (RGW's are alphanumerics and dashes: `-xiFyYT9bf0YU1N5z5qVdD8I-L9J9hB`), which `diff` and `restore`
 * take as arguments: commander would read it as an unknown option. No argument of a process can hold
 * a NUL, so the mark is unambiguous; the actions get the word back with {@link unmarkPositional}.
 */
const POSITIONAL_MARK = '\u0000';
/**
 * The shortest dashed word taken as a positional (S3 servers' version IDs are 32 characters or more);
 * a short one (`-JSON`, `-1`) stays a mistyped option, for commander's "unknown option" error.
 */
const MIN_DASHED_POSITIONAL = 16;

/** The word a {@link normaliseArgs} mark stands for (arrays of words, for variadic arguments, too). */
export function unmarkPositional<T>(arg: T): T {
  if (typeof arg === 'string' && arg.startsWith(POSITIONAL_MARK)) return arg.slice(POSITIONAL_MARK.length) as T;
  if (Array.isArray(arg)) return arg.map(unmarkPositional) as T;
  return arg;
}

/**
 * Rewrites single-dash long options (`-name`, `-name=value`) to commander's `--name` form, and marks
 * positional words that start with a dash but cannot be options (see {@link POSITIONAL_MARK}).
 */
export function normaliseArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let takesValue = false;
  let positionalOnly = false;
  for (const arg of args) {
    if (takesValue || positionalOnly) {
      out.push(arg);
      takesValue = false;
      continue;
    }
    if (arg === '--') {
      positionalOnly = true;
      out.push(arg);
      continue;
    }
    const m = OPTION_SHAPE.exec(arg);
    if (!m && arg.length >= MIN_DASHED_POSITIONAL && arg.startsWith('-')) {
      out.push(`${POSITIONAL_MARK}${arg}`);
      continue;
    }
    if (m && LONG_OPTIONS.has(m[1])) {
      const value = m[2] ?? (BOOL_VALUE_OPTIONS.has(m[1]) ? '=true' : '');
      out.push(`--${m[1]}${value}`);
      takesValue = m[2] === undefined && VALUE_OPTIONS.has(m[1]);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** The lock options of every command that takes the state lock, as commander parses them. */
export interface LockOptions {
  /** `-lock=false`: do not take the state lock (Terraform's `-lock`). @default true */
  readonly lock?: boolean;
  /** `-lock-timeout=DURATION`: retry a held lock this long, Go duration syntax. @default "0s" */
  readonly lockTimeout?: string;
}

/**
 * Go's `strconv.ParseBool`, what Terraform's `-lock=VALUE` accepts. Returns `undefined` for
 * anything else.
 */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * Parses a Go `time.ParseDuration` string (`0s`, `30s`, `1m30s`, `500ms`, `1.5h`) into milliseconds
 * with the project's one Go duration parser (`protocol/go-time.ts`). A negative duration is 0: one
 * attempt, as Terraform's lock wait does with a deadline already past. Returns `undefined` when the
 * text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  try {
    return Math.max(0, Math.round(parseGoDuration(text) / 1e6));
  } catch {
    return undefined;
  }
}

/**
 * Why `text` is not a duration, for a usage error of option `flag`: Go's `flag` package text for a bad
 * `flag.Duration` value (what Terraform prints), then how to write one.
 */
export function notADuration(flag: string, text: string): string {
  return `invalid value "${text}" for flag ${flag}: parse error. Use Go duration syntax such as 30s, 2m or 1m30s.`;
}
