/**
 * The benchmark suite: `npm run bench` (add `-- --quick` for small sizes only). Starts its own
 * local servers (or reuses those named by TFSTATE_TEST_SERVERS_FILE), measures, and writes
 * docs/benchmarks.md. Every figure is measured in this run; ratios compare runs made side by side.
 *
 * `-- --only contention` (or another group: counts, wall, history, cold, synth, large) runs that
 * group alone and prints its rows as JSON instead of writing docs/benchmarks.md.
 *
 * One file per row group: request-counts.ts, wall-time.ts, contention.ts, history-runs.ts,
 * cold-start-rows.ts, synth.ts, large-states.ts; report.ts renders the page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { coldStart } from './cold-start-rows';
import { deleteBucket, deleteTable, rawClients } from './common';
import { contentionRuns } from './contention';
import { extrasCounts } from './extras';
import { attributedHistoryRun, historyRuns } from './history-runs';
import { largeStates, type SizeRow } from './large-states';
import { render, type BenchResults } from './report';
import { requestCounts } from './request-counts';
import { QUICK, created, log } from './resources';
import { synth } from './synth';
import { NETWORK_DELAY_MS, wallTime } from './wall-time';
import { startLocalServers, type LocalServers } from '../test/setup/local-servers';
import { FaultProxy } from '../test/support/fault-proxy';

const ROOT = resolve(__dirname, '..');

type Group = 'counts' | 'extras' | 'wall' | 'contention' | 'history' | 'cold' | 'synth' | 'large';
const GROUPS: readonly Group[] = ['counts', 'extras', 'wall', 'contention', 'history', 'cold', 'synth', 'large'];

function onlyGroup(): Group | undefined {
  const i = process.argv.indexOf('--only');
  if (i < 0) return undefined;
  const g = process.argv[i + 1] as Group;
  if (!GROUPS.includes(g)) throw new Error(`--only needs one of ${GROUPS.join(', ')}; got ${process.argv[i + 1] ?? 'nothing'}`);
  return g;
}

/** The load average over 1, 5 and 15 minutes, as `uptime` prints it. */
function load(): string {
  return loadavg().map((x) => x.toFixed(2)).join(', ');
}

async function measure(group: Group, servers: LocalServers, dir: string): Promise<Partial<BenchResults>> {
  switch (group) {
    case 'counts': return { counts: await requestCounts(servers) };
    case 'extras': return { extras: await extrasCounts(servers) };
    case 'wall': {
      const wall = await wallTime(servers, QUICK ? 20 : 100);
      log(`wall time with ${NETWORK_DELAY_MS} ms added per request`);
      const proxy = await FaultProxy.start(servers.s3Endpoint);
      proxy.add({ match: {}, action: 'delay', delayMs: NETWORK_DELAY_MS, times: Number.MAX_SAFE_INTEGER });
      const wallNet = await wallTime({ ...servers, s3Endpoint: proxy.url }, QUICK ? 10 : 30).finally(() => proxy.close());
      return { wall, wallNet };
    }
    case 'contention': return { cont: await contentionRuns(servers, QUICK ? 2 : 7) };
    case 'history': return { hist: await historyRuns(servers, dir), attr: await attributedHistoryRun(servers) };
    case 'cold': return { cold: await coldStart() };
    case 'synth': return { syn: await synth() };
    case 'large': {
      let largeError: string | undefined;
      const large = await largeStates(servers, dir).catch((e) => {
        largeError = e instanceof Error ? e.message.split('\n')[0] : String(e);
        log(`large states failed: ${largeError}`);
        return [] as SizeRow[];
      });
      return { large, largeError };
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const only = onlyGroup();
  let servers: LocalServers;
  let stop: (() => Promise<void>) | undefined;
  if (process.env.TFSTATE_TEST_SERVERS_FILE) {
    servers = JSON.parse(readFileSync(process.env.TFSTATE_TEST_SERVERS_FILE, 'utf8'));
    log(`reusing servers from ${process.env.TFSTATE_TEST_SERVERS_FILE}`);
  } else {
    log('starting local servers');
    const s = await startLocalServers({ log: (m: string) => log(m) });
    servers = s;
    stop = () => s.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'tfstate-bench-'));
  try {
    const loadBefore = load();
    const results: Partial<BenchResults> = {};
    for (const group of only ? [only] : GROUPS) {
      log(`${group} (load ${load()})`);
      Object.assign(results, await measure(group, servers, dir));
    }
    const seconds = (Date.now() - started) / 1000;
    if (only) {
      process.stdout.write(`${JSON.stringify({ ...results, seconds, load: [loadBefore, load()] }, undefined, 2)}\n`);
      return;
    }
    writeFileSync(join(ROOT, 'docs/benchmarks.md'), render({ ...results as BenchResults, seconds, load: [loadBefore, load()] }));
    log(`wrote docs/benchmarks.md in ${seconds.toFixed(0)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (stop) {
      await stop();
    } else {
      const { s3, dynamodb } = rawClients(servers);
      for (const b of created.buckets) await deleteBucket(s3, b).catch((e) => log(`could not delete bucket ${b}: ${e}`));
      for (const t of created.tables) await deleteTable(dynamodb, t).catch((e) => log(`could not delete table ${t}: ${e}`));
      s3.destroy();
      dynamodb.destroy();
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
