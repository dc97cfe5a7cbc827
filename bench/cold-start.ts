/**
 * The CLI's cold start, measured side by side with Node's own: `tfstate --help`, `--version` and a
 * usage error against `node -e ''`, in alternating fresh processes. Target: each at most 1.5 times
 * Node's start-up, which the CLI meets by loading commander and its command tree only (command
 * modules, the client and the AWS SDK load on use).
 *
 * Used by `bench/run.ts` (the cold-start table); run alone with
 * `npx ts-node --transpile-only bench/cold-start.ts` after `npx tsc -p src/tsconfig.runtime.json`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One row of the cold-start table. */
export interface CliColdStartRow {
  readonly what: string;
  /** Median wall time of the CLI runs, ms. */
  readonly ms: number;
  readonly note: string;
}

/** The target: CLI start-up / `node -e ''` start-up. */
export const CLI_COLD_START_TARGET = 1.5;

const CASES: readonly { what: string; args: string[] }[] = [
  { what: '`tfstate --help`', args: ['--help'] },
  { what: '`tfstate --version`', args: ['--version'] },
  { what: '`tfstate pull --nope` (usage error)', args: ['pull', '--nope'] },
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeOnce(args: readonly string[], cwd: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, stdio: 'ignore', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  if (r.error) throw r.error;
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Measures every case `runs` times, each run right after a `node -e ''` run, and reports per case
 * the median time and the median of the per-pair ratios (pairs cancel the machine's load drift).
 */
export function cliColdStart(root: string, runs: number): CliColdStartRow[] {
  const cli = join(root, 'lib', 'cli', 'main.js');
  if (!existsSync(cli)) {
    return CASES.map((c) => ({ what: c.what, ms: NaN, note: 'lib/cli/main.js not compiled: run `npx projen compile` first' }));
  }
  // One warm-up of each, so that the first measured run does not pay for a cold file cache.
  timeOnce(['-e', ''], root);
  for (const c of CASES) timeOnce([cli, ...c.args], root);
  return CASES.map((c) => {
    const times: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const node = timeOnce(['-e', ''], root);
      const ours = timeOnce([cli, ...c.args], root);
      times.push(ours);
      ratios.push(ours / node);
    }
    const ratio = median(ratios);
    const verdict = ratio <= CLI_COLD_START_TARGET ? 'met' : '**missed**';
    return { what: c.what, ms: median(times), note: `${ratio.toFixed(2)}× \`node -e ''\` side by side (target ≤ ${CLI_COLD_START_TARGET}×: ${verdict}); no AWS SDK loaded` };
  });
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 15);
  for (const row of cliColdStart(resolve(__dirname, '..'), runs)) {
    process.stdout.write(`${row.what}\t${row.ms.toFixed(1)} ms\t${row.note}\n`);
  }
}
