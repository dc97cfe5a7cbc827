/**
 * Child of streaming-rewrite.integration.test.ts: pushes one large state file through the client
 * under the heap ceiling the parent chose, sampling the V8 heap. Usage: stream-push-child.ts <bucket>
 * <key> <file>; servers from TFSTATE_TEST_SERVERS. Prints one JSON line: { parts, baselineHeap, peakHeap }.
 */
import { backendConfig } from '../../bench/common';
import { StateClient } from '../../src/client';
import type { LocalServers } from '../setup/local-servers';

async function main(): Promise<void> {
  const [bucket, key, file] = process.argv.slice(2);
  const servers = JSON.parse(process.env.TFSTATE_TEST_SERVERS ?? '') as LocalServers;
  const client = StateClient.fromConfig({ ...backendConfig(servers, bucket, 'lockfile', undefined), key }, { env: {} });
  await client.listWorkspaces(); // load the SDK and connect: part of the baseline
  client.resetRequestCounts();
  if (global.gc) global.gc();
  const baselineHeap = process.memoryUsage().heapUsed;
  let peakHeap = baselineHeap;
  const timer = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 5);
  await client.pushStateFromFile(file);
  clearInterval(timer);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  process.stdout.write(JSON.stringify({ parts: client.requestCounts.s3.UploadPart ?? 0, baselineHeap, peakHeap }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
