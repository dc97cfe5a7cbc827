import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCephRgw } from './ceph-rgw';
import { startDynamoDbLocal } from './dynamodb-local';
import { ensureDebianPackages, killGroups, PROCESS_GROUPS_FILE, startWatchdog } from './processes';

/**
 * Endpoints and credentials of a running set of local test servers (plain JSON, safe to pass
 * between processes).
 */
export interface LocalServers {
  /** S3 endpoint (Ceph RADOS Gateway), e.g. `http://127.0.0.1:12345`; use path-style addressing. */
  s3Endpoint: string;
  /** DynamoDB Local endpoint, e.g. `http://127.0.0.1:43210`. */
  dynamodbEndpoint: string;
  /** Region to sign with: always `us-east-1`. */
  region: string;
  /** Main test user's access key; also accepted by DynamoDB Local. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Second user, with no access to the main user's buckets (for AccessDenied tests). */
  otherAccessKeyId: string;
  otherSecretAccessKey: string;
  /** Key ID accepted in `x-amz-server-side-encryption-aws-kms-key-id` (RGW's `testing` KMS backend); ARN-shaped. */
  kmsKeyId: string;
  /** Process groups to stop (each PID is also its group ID). */
  pids: number[];
  /** Per-start temp dir holding config, data and logs; removed on stop. */
  dir: string;
}

/** Options of {@link startLocalServers}. */
export interface StartLocalServersOptions {
  /**
   * Receives progress messages.
   * @default - silent
   */
  log?: (msg: string) => void;
}

/** Region of the local servers: RGW ignores it, DynamoDB Local keys nothing on it with `-sharedDb`. */
export const LOCAL_REGION = 'us-east-1';

/**
 * Starts Ceph RADOS Gateway (S3) and DynamoDB Local on 127.0.0.1, on free ports, in a fresh temp dir.
 *
 * Installs the Debian packages first if `radosgw` or `java` is missing. A watchdog stops the
 * servers if this process dies without calling `stop()`.
 */
export async function startLocalServers(opts: StartLocalServersOptions = {}): Promise<LocalServers & { stop(): Promise<void> }> {
  const log = opts.log ?? (() => undefined);
  await ensureDebianPackages('radosgw', ['radosgw', 'ceph-mon', 'ceph-osd'], log);
  await ensureDebianPackages('java', ['default-jre-headless'], log);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'tfstate-servers-'));
  await mkdir(path.join(dir, 'log'));
  const watchdog = await startWatchdog(dir, process.pid);
  const started = Date.now();
  log(`starting Ceph RGW and DynamoDB Local in ${dir}`);
  try {
    // allSettled, not all: after one failure the other server is still starting, and stopping it
    // before it has recorded all its processes would leak them.
    const [cephResult, dynamoResult] = await Promise.allSettled([startCephRgw(dir, log), startDynamoDbLocal(dir).then((d) => {
      log(`DynamoDB Local up at ${d.endpoint}`);
      return d;
    })]);
    if (cephResult.status === 'rejected' || dynamoResult.status === 'rejected') {
      const reasons = [cephResult, dynamoResult].flatMap((r) => r.status === 'rejected' ? [(r.reason as Error).message] : []);
      throw new Error(reasons.join('\n'));
    }
    const [ceph, dynamo] = [cephResult.value, dynamoResult.value];
    const servers: LocalServers = {
      s3Endpoint: ceph.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      accessKeyId: ceph.mainUser.accessKeyId,
      secretAccessKey: ceph.mainUser.secretAccessKey,
      otherAccessKeyId: ceph.otherUser.accessKeyId,
      otherSecretAccessKey: ceph.otherUser.secretAccessKey,
      kmsKeyId: ceph.kmsKeyId,
      pids: [watchdog, ...await recordedGroups(dir)],
      dir,
    };
    log(`servers up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { ...servers, stop: () => stopLocalServers(servers) };
  } catch (error) {
    // Keep the dir: the error names log files in it.
    await killGroups([watchdog, ...await recordedGroups(dir)]);
    throw new Error(`Local test servers failed to start (logs kept in ${dir}): ${(error as Error).message}`);
  }
}

/**
 * Stops the servers by their process groups and removes their temp dir.
 */
export async function stopLocalServers(s: LocalServers): Promise<void> {
  await killGroups(s.pids);
  if (s.dir && path.basename(s.dir).startsWith('tfstate-servers-')) {
    await rm(s.dir, { recursive: true, force: true });
  }
}

async function recordedGroups(dir: string): Promise<number[]> {
  try {
    return (await readFile(path.join(dir, PROCESS_GROUPS_FILE), 'utf8')).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
