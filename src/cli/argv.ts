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
  'raw',
  'json',
  'format',
  'help',
  'version',
  'lock',
  'lock-timeout',
]);

/** Options that take a value, so the word after them is a value and never rewritten. */
const VALUE_OPTIONS = new Set(['backend-config', 'chdir', 'workspace', 'stack', 'version-id', 'operation', 'info', 'timeout', 'format', 'lock-timeout']);

/** Rewrites single-dash long options (`-name`, `-name=value`) to commander's `--name` form. */
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
    const m = /^--?([a-z][a-z0-9-]*)(=.*)?$/.exec(arg);
    if (m && LONG_OPTIONS.has(m[1])) {
      // `-lock` is a Go bool flag: bare means true, and it never takes the next word as its value.
      out.push(`--${m[1]}${m[2] ?? (m[1] === 'lock' ? '=true' : '')}`);
      takesValue = m[2] === undefined && VALUE_OPTIONS.has(m[1]);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * Parses a Go `time.ParseDuration` string (`0s`, `30s`, `1m30s`, `500ms`, `1.5h`) into milliseconds.
 * Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (text.length === 0) return undefined;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += parseFloat(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  return Math.round(total);
}
