import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import * as path from 'node:path';
import { Daemon, pickFreePort, run, startDaemon, tailOf, waitUntilReady } from './processes';

/** A SigV4 identity on the gateway. */
export interface RgwUser {
  readonly uid: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A running single-node Ceph cluster with a RADOS Gateway. */
export interface CephRgw {
  readonly endpoint: string;
  readonly daemons: Daemon[];
  readonly mainUser: RgwUser;
  readonly otherUser: RgwUser;
  readonly kmsKeyId: string;
}

/**
 * Key ID served by RGW's `testing` KMS backend. ARN-shaped so that code passing a KMS key ARN (as
 * the construct's outputs do) is exercised unchanged; RGW treats it as an opaque name.
 */
const KMS_KEY_ID = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-00000000c0de';

const CEPH_TIMEOUT_S = 10;

/**
 * Starts a throw-away Ceph cluster in `dir`: one mon, one memstore OSD, one RADOS Gateway on
 * 127.0.0.1, plus two S3 users.
 *
 * Authentication inside the cluster is off (`auth ... required = none`) since nothing but this
 * test run can reach 127.0.0.1 ports it picked; S3 clients still sign with SigV4 at the gateway.
 */
export async function startCephRgw(dir: string, log: (msg: string) => void): Promise<CephRgw> {
  const daemons: Daemon[] = [];
  const conf = path.join(dir, 'ceph.conf');
  const logDir = path.join(dir, 'log');
  await Promise.all(['run', 'log', 'mon', 'osd', 'rgw'].map((d) => mkdir(path.join(dir, d), { recursive: true })));
  const kmsKey = randomBytes(32).toString('base64');
  const fsid = randomUUID();
  const ceph = (args: string[], timeoutMs = (CEPH_TIMEOUT_S + 5) * 1000) =>
    run('ceph', ['-c', conf, '--connect-timeout', String(CEPH_TIMEOUT_S), ...args], { timeoutMs });

  // Mon: the port lives in the monmap, so a lost port race means a fresh mon (it costs ~0.1 s).
  let mon: Daemon | undefined;
  let monPort = 0;
  for (let attempt = 1; !mon; attempt++) {
    monPort = await pickFreePort();
    await writeFile(conf, cephConf({ dir, fsid, monPort, rgwPort: 0, kmsKey }));
    await run('rm', ['-rf', path.join(dir, 'mon', 'mon.a')]);
    await run('monmaptool', ['--create', '--clobber', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, path.join(dir, 'monmap')]);
    await run('ceph-authtool', ['--create-keyring', path.join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', path.join(dir, 'monmap')]);
    const candidate = await startDaemon('Ceph monitor (ceph-mon)', 'ceph-mon', ['-f', '-c', conf, '-i', 'a'],
      { dir, logFile: path.join(logDir, 'mon.a.out') });
    daemons.push(candidate);
    try {
      await waitUntilReady(candidate, 'answering `ceph mon stat`', 20_000, async () =>
        (await run('ceph', ['-c', conf, '--connect-timeout', '2', 'mon', 'stat'], { timeoutMs: 5_000 })).stdout);
      mon = candidate;
    } catch (error) {
      if (attempt >= 3 || !lostPortRace(candidate, path.join(logDir, 'mon.a.log'))) throw error;
      log(`ceph-mon lost a race for port ${monPort}; retrying on another port`);
    }
  }

  log(`ceph-mon up on 127.0.0.1:${monPort}`);
  // RGW would create these one at a time (at start, on the first bucket and the first object), each
  // waiting for a new OSD map and PG peering; created together now, they peer once when the OSD
  // comes up. One `ceph` process reads all commands from stdin: each process costs ~0.3 s.
  const pools = ['.rgw.root', ...['control', 'meta', 'log', 'buckets.index', 'buckets.data', 'buckets.non-ec'].map((p) => `default.rgw.${p}`)];
  const poolCommands = pools.flatMap((p) => [`osd pool create ${p} 8 8`, `osd pool application enable ${p} rgw`]).join('\n');
  const poolsCreated = run('sh', ['-c', `printf '%s\\n' "$1" | ceph -c "$2" --connect-timeout ${CEPH_TIMEOUT_S}`, 'sh', poolCommands, conf],
    { timeoutMs: 30_000 });
  // Settled here so that an OSD failure below does not leave this rejection unhandled.
  poolsCreated.catch(() => undefined);
  const osdUuid = randomUUID();
  const osdId = (await ceph(['osd', 'new', osdUuid])).stdout.trim();
  await mkdir(path.join(dir, 'osd', `osd.${osdId}`), { recursive: true });
  await run('ceph-osd', ['-c', conf, '-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
  const osd = await startDaemon('Ceph OSD (ceph-osd)', 'ceph-osd', ['-f', '-c', conf, '-i', osdId],
    { dir, logFile: path.join(logDir, `osd.${osdId}.out`) });
  daemons.push(osd);
  await poolsCreated;
  log('OSD started, RGW pools created');

  // Users go straight into RADOS before any gateway runs. Created later, radosgw-admin notifies
  // every gateway that ever watched the control objects, and a gateway that died (a lost port race)
  // stalls each notification for the 30 s watch timeout. One after the other, because the first
  // run also creates the default zone.
  const mainUser = await createUser(conf, 'tfstate-test', 'tfstate test user', ['--caps', 'users=*;buckets=*;metadata=*;usage=*']);
  const otherUser = await createUser(conf, 'tfstate-other', 'tfstate second user (no access to the test user\'s buckets)', []);
  log('RGW users created');

  let rgw: Daemon | undefined;
  let rgwPort = 0;
  for (let attempt = 1; !rgw; attempt++) {
    rgwPort = await pickFreePort();
    await writeFile(conf, cephConf({ dir, fsid, monPort, rgwPort, kmsKey }));
    const candidate = await startDaemon('Ceph RADOS Gateway (radosgw)', 'radosgw', ['-f', '-c', conf, '-n', 'client.rgw'],
      { dir, logFile: path.join(logDir, 'client.rgw.out') });
    daemons.push(candidate);
    try {
      await waitUntilReady(candidate, `answering HTTP on 127.0.0.1:${rgwPort}`, 60_000, async () => {
        if (osd.exited !== undefined) {
          throw new Error(`the OSD exited (${osd.exited}); OSD log: ${osd.logFile}\n${tailOf(path.join(logDir, `osd.${osdId}.log`))}`);
        }
        return await httpStatus(rgwPort) === 200 ? true : undefined;
      });
      rgw = candidate;
    } catch (error) {
      if (attempt >= 3 || !lostPortRace(candidate, path.join(logDir, 'client.rgw.log'))) {
        throw new Error(`${(error as Error).message}\nRGW's own log: ${path.join(logDir, 'client.rgw.log')}`);
      }
      log(`radosgw lost a race for port ${rgwPort}; retrying on another port`);
    }
  }

  log(`radosgw up on 127.0.0.1:${rgwPort}`);
  return { endpoint: `http://127.0.0.1:${rgwPort}`, daemons, mainUser, otherUser, kmsKeyId: KMS_KEY_ID };
}

/** Whether a daemon died because its port was taken between our check and its bind. */
function lostPortRace(daemon: Daemon, cephLog: string): boolean {
  if (daemon.exited === undefined) return false;
  // Ceph daemons exit with EADDRINUSE (98) as their status when a bind fails.
  return daemon.exited === 'exit code 98'
    || [daemon.logFile, cephLog].some((file) => /address already in use/i.test(tailOf(file, 50)));
}

async function createUser(conf: string, uid: string, displayName: string, extra: string[]): Promise<RgwUser> {
  const accessKeyId = `TFSTATE${randomBytes(7).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64').replace(/[+/=]/g, 'x');
  // No admin socket: it would be a stray client.admin.asok in the run dir, shared with other CLI calls.
  await run('radosgw-admin', ['-c', conf, '--admin-socket', '', 'user', 'create', '--uid', uid, '--display-name', displayName,
    '--access-key', accessKeyId, '--secret-key', secretAccessKey, ...extra], { timeoutMs: 30_000 });
  return { uid, accessKeyId, secretAccessKey };
}

function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: 2_000, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

interface ConfOptions {
  readonly dir: string;
  readonly fsid: string;
  readonly monPort: number;
  readonly rgwPort: number;
  readonly kmsKey: string;
}

function cephConf(o: ConfOptions): string {
  const d = o.dir;
  return `# Throw-away single-node test cluster; written by test/setup/ceph-rgw.ts
[global]
fsid = ${o.fsid}
mon host = v2:127.0.0.1:${o.monPort}
mon initial members = a
# Without these the OSD listens on every interface.
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = ${d}/run
admin socket = ${d}/run/$name.asok
pid file = ${d}/run/$name.pid
log file = ${d}/log/$name.log
log to stderr = false
err to stderr = false
mon cluster log file = ${d}/log/cluster.log
keyring = ${d}/keyring
mon data = ${d}/mon/$name
osd data = ${d}/osd/$name
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
# A taken port fails at once instead of after 3 binds 5 s apart: the launcher retries elsewhere.
ms bind retry count = 2
ms bind retry delay = 1
mon max pg per osd = 1000
# Every map change (pool, OSD boot) waits out the Paxos proposal interval, 1 s by default.
paxos propose interval = 0.01
paxos min wait = 0.01

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${o.rgwPort} tcp_nodelay=1
rgw data = ${d}/rgw
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = ${KMS_KEY_ID}=${o.kmsKey}
rgw crypt require ssl = false
# Tails of deleted and overwritten objects (multipart parts, bodies over 4 MiB) are collected after a minute,
# not two hours: otherwise a long-lived \`npm run servers\` fills the memstore OSD within a few full test runs
# (OSD_FULL, and every write hangs).
rgw gc obj min wait = 60
rgw gc processor period = 30
`;
}
