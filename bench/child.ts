/**
 * One large-state measurement in a fresh process, so peak RSS belongs to that operation alone.
 * Usage: child.ts <push|pull|outputs|read-in-memory> <bucket> <key> <file>; servers from
 * TFSTATE_TEST_SERVERS. Prints one JSON line: { ms, baselineKiB, peakKiB, detail }.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { backendConfig, streamingApi } from './common';
import { StateClient } from '../src/client';
import type { LocalServers } from '../test/setup/local-servers';

async function main(): Promise<void> {
  const [op, bucket, key, file] = process.argv.slice(2);
  const servers = JSON.parse(process.env.TFSTATE_TEST_SERVERS ?? '') as LocalServers;
  const client = StateClient.fromConfig({ ...backendConfig(servers, bucket, 'lockfile', undefined), key }, { env: {} });
  // Warm up: load the SDK and open a connection, so the baseline includes them.
  await client.listWorkspaces();
  client.resetRequestCounts();
  if (global.gc) global.gc();
  const baselineKiB = process.resourceUsage().maxRSS;
  const started = process.hrtime.bigint();
  let detail: unknown;
  const api = streamingApi(client);
  switch (op) {
    case 'push':
      // Takes the lock itself (operation state-push), as `pushState` does.
      detail = await api.pushStateFromFile(file, { force: true });
      break;
    case 'pull': {
      const out = createWriteStream('/dev/null');
      detail = await api.pullStateToStream(out);
      if (!out.closed) await once(out, 'close');
      break;
    }
    case 'outputs':
      detail = Object.keys(await api.readOutputs() as object);
      break;
    case 'read-in-memory': {
      const r = await client.readState();
      detail = { bytes: r?.bytes.length };
      break;
    }
    default:
      throw new Error(`unknown operation ${op}: use push, pull, outputs or read-in-memory`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const peakKiB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ ms, baselineKiB, peakKiB, requests: client.requestCounts, detail }) + '\n');
  client.destroy();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
