/**
 * `npm run servers`: starts the local S3 (Ceph RGW) and DynamoDB Local in the foreground, writes
 * their endpoints and credentials to `.local-servers/servers.json`, and stops them on SIGINT or
 * SIGTERM. Export the printed `TFSTATE_TEST_SERVERS_FILE` line in another shell and jest reuses
 * these servers instead of starting its own (saves ~12 s per run).
 *
 * Options: `--file <path>` writes the JSON elsewhere (one file per concurrently running launcher).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { startLocalServers } from '../test/setup/local-servers';

async function main(): Promise<void> {
  const fileFlag = process.argv.indexOf('--file');
  if (fileFlag >= 0 && !process.argv[fileFlag + 1]) {
    throw new Error('--file needs a path, e.g. `npm run servers -- --file servers.json`.');
  }
  const file = path.resolve(fileFlag >= 0 ? process.argv[fileFlag + 1] : path.join(__dirname, '..', '.local-servers', 'servers.json'));
  const log = (msg: string) => process.stderr.write(`[servers] ${msg}\n`);

  const servers = await startLocalServers({ log });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await rm(file, { force: true });
    await servers.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));

  const { stop: _stop, ...plain } = servers;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(plain, undefined, 2)}\n`, { mode: 0o600 });
  process.stdout.write([
    `S3 (Ceph RGW):  ${servers.s3Endpoint}   (path-style, region ${servers.region})`,
    `DynamoDB Local: ${servers.dynamodbEndpoint}`,
    `main user:      ${servers.accessKeyId} / ${servers.secretAccessKey}`,
    `other user:     ${servers.otherAccessKeyId} / ${servers.otherSecretAccessKey}`,
    `SSE-KMS key id: ${servers.kmsKeyId}`,
    `logs:           ${path.join(servers.dir, 'log')}`,
    '',
    `export TFSTATE_TEST_SERVERS_FILE=${file}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));
  // Keeps the process alive until a signal arrives; the servers are detached children.
  setInterval(() => undefined, 2 ** 30);
}

main().catch((error: Error) => {
  process.stderr.write(`[servers] ${error.message}\n`);
  process.exit(1);
});
