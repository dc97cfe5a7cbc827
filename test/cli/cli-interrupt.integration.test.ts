import { spawn } from 'node:child_process';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { CLI, backendArgs, cliBucket, cliEnv, deleteCreated, requireCompiledCli } from './run-cli';
import { ACQUIRE_INTERRUPT_NOTE } from '../../src/cli/interrupts';
import { FaultProxy } from '../support/fault-proxy';
import { s3Client, testServers } from '../support/servers';

/**
 * Ctrl-C while `tfstate push` holds the state lock: dying there left the lock file behind (the next
 * run: "Error acquiring the state lock", held by nobody). The first interrupt now lets the operation
 * finish and release the lock, then the process dies by the signal; a second one stops at once.
 * The state PUT goes through a proxy that holds it for 2 s, so the signal lands while the lock is held.
 */
beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const KEY = 'interrupt/terraform.tfstate';
const state = (serial: number) => JSON.stringify({
  version: 4, terraform_version: '1.10.0', serial, lineage: 'interrupted', outputs: {}, resources: [], check_results: null,
}) + '\n';

describe('an interrupt while the lock is held', () => {
  let proxy: FaultProxy;
  let bucket: string;
  beforeAll(async () => {
    proxy = await FaultProxy.start(testServers().s3Endpoint);
  });
  beforeEach(async () => {
    bucket = await cliBucket();
  });
  afterEach(() => proxy.clear());
  afterAll(async () => {
    await proxy.close();
  });

  async function exists(key: string): Promise<boolean> {
    const s3 = s3Client();
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (e: any) {
      if (e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404) return false;
      throw e;
    } finally {
      s3.destroy();
    }
  }

  /**
   * Starts `push -` through the proxy, waits, sends `signals` 100 ms apart; resolves to how it ended.
   * `held`: the answer to the state PUT comes 2 s late, and the signals wait for that PUT to reach the
   * proxy (the CLI holds the lock: the lock file alone exists a moment before the CLI has the answer to
   * its create, when a signal takes the "in flight" path); `requested`: the answer to the lock file's
   * conditional PUT comes late, and the signals wait for the lock file (landed, the CLI does not know yet).
   */
  async function pushInterrupted(signals: NodeJS.Signals[], slow: 'held' | 'requested' = 'held') {
    const url = slow === 'held' ? new RegExp(`/${KEY}(\\?|$)`) : new RegExp(`/${KEY}\\.tflock(\\?|$)`);
    const faultedBefore = proxy.faulted.length;
    proxy.add({ match: { method: 'PUT', url }, action: 'delay', delayMs: 2_000, times: 1 });
    const args = ['push', '-', ...backendArgs({ bucket, key: KEY, region: testServers().region, use_lockfile: true })];
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv({ AWS_ENDPOINT_URL_S3: proxy.url }), stdio: ['pipe', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (c) => err.push(c));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    child.stdin.end(state(1));
    try {
      const ready = async () => (slow === 'held' ? proxy.faulted.length > faultedBefore : exists(`${KEY}.tflock`));
      let waited = false;
      for (let i = 0; i < 100 && !waited; i++) {
        waited = await ready();
        if (!waited) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waited).toBe(true);
      expect(await exists(`${KEY}.tflock`)).toBe(true);
      for (const s of signals) {
        child.kill(s);
        await new Promise((r) => setTimeout(r, 100));
      }
      return { ...(await ended), stderr: Buffer.concat(err).toString('utf8') };
    } finally {
      child.kill('SIGKILL');
    }
  }

  test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('one %s: the push finishes, the lock is released, then the process dies by the signal', async (signal) => {
    const r = await pushInterrupted([signal]);
    expect(r.signal).toBe(signal);
    expect(r.stderr).toContain('Interrupt received: finishing the operation so that the state lock is released, then stopping.');
    expect(await exists(`${KEY}.tflock`)).toBe(false);
    const s3 = s3Client();
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: KEY }));
      // Pushed whole (into an empty workspace: serial 1, a fresh lineage, as Terraform's state manager).
      expect(JSON.parse(await out.Body!.transformToString())).toMatchObject({ version: 4, serial: 1 });
    } finally {
      s3.destroy();
    }
  });

  test('two SIGINTs: the second stops at once, and says how to release the lock it leaves', async () => {
    const r = await pushInterrupted(['SIGINT', 'SIGINT']);
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toContain('Interrupt again to stop at once (the lock then stays held; release it with tfstate force-unlock).');
    expect(await exists(`${KEY}.tflock`)).toBe(true);
  });

  // The window Terraform leaves open too: a conditional create in flight at the signal lands after
  // the process died, and the lock is held by nobody. Now the answer is awaited and the lock released.
  test('one SIGINT while the lock request is in flight: the lock it took is released, the push does not start', async () => {
    const r = await pushInterrupted(['SIGINT'], 'requested');
    expect(r.signal).toBe('SIGINT');
    expect(r.stderr).toContain(ACQUIRE_INTERRUPT_NOTE);
    expect(await exists(`${KEY}.tflock`)).toBe(false);
    expect(await exists(KEY)).toBe(false);
  });
});
