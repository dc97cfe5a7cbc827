import { readFile } from 'node:fs/promises';
import { LocalServers, startLocalServers } from './local-servers';

/** Environment variable naming a JSON file of running servers to reuse (written by `npm run servers`). */
export const SERVERS_FILE_ENV = 'TFSTATE_TEST_SERVERS_FILE';
/** Environment variable carrying the servers' JSON to jest workers. */
export const SERVERS_ENV = 'TFSTATE_TEST_SERVERS';

/** Servers this setup started, for the teardown (jest runs both in the same process). */
export const STARTED_KEY = '__tfstateLocalServers';

const REQUIRED: readonly (keyof LocalServers)[] = [
  's3Endpoint', 'dynamodbEndpoint', 'region', 'accessKeyId', 'secretAccessKey',
  'otherAccessKeyId', 'otherSecretAccessKey', 'kmsKeyId', 'pids', 'dir',
];

/**
 * Jest global setup: reuses the servers named by `TFSTATE_TEST_SERVERS_FILE`, or starts new ones,
 * and hands them to the workers through `TFSTATE_TEST_SERVERS`.
 */
export default async function globalSetup(): Promise<void> {
  // The SDK prints a multi-line Node 20 end-of-support notice once per test file (each jest
  // module registry reloads it); workers inherit this. Set it to 'false' to see the notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const file = process.env[SERVERS_FILE_ENV];
  let servers: LocalServers;
  if (file) {
    servers = await reuse(file);
  } else {
    const started = await startLocalServers();
    (globalThis as Record<string, unknown>)[STARTED_KEY] = started;
    const { stop: _stop, ...plain } = started;
    servers = plain;
  }
  process.env[SERVERS_ENV] = JSON.stringify(servers);
}

async function reuse(file: string): Promise<LocalServers> {
  let parsed: Partial<LocalServers>;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${SERVERS_FILE_ENV}=${file} cannot be read as JSON (${(error as Error).message}). `
      + `Start the servers with \`npm run servers\`, or unset ${SERVERS_FILE_ENV} to let the tests start their own.`);
  }
  const missing = REQUIRED.filter((k) => parsed[k] === undefined);
  if (missing.length > 0) {
    throw new Error(`${file} (from ${SERVERS_FILE_ENV}) lacks ${missing.join(', ')}; it was not written by \`npm run servers\`.`);
  }
  const servers = parsed as LocalServers;
  for (const [name, endpoint] of [['S3 (Ceph RGW)', servers.s3Endpoint], ['DynamoDB Local', servers.dynamodbEndpoint]]) {
    try {
      // Any HTTP answer will do: this only guards against a stale file whose servers are gone.
      await fetch(endpoint, { signal: AbortSignal.timeout(3_000) });
    } catch (error) {
      throw new Error(`${name} at ${endpoint} from ${file} (${SERVERS_FILE_ENV}) does not answer (${(error as Error).message}). `
        + `Is \`npm run servers\` still running? Restart it, or unset ${SERVERS_FILE_ENV} to let the tests start their own.`);
    }
  }
  return servers;
}
