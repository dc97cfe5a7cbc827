import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { TF_EMPTY_STATE, TestBackend, isProbe, newBackend, ops } from './support';
import { StateClient, isLockIdMismatchError } from '../../src/client';

/**
 * The lock cycle (lock, read, write, unlock) of the lock file: 4 S3 requests where DeleteObject
 * honours If-Match (AWS S3 since September 2025), 5 elsewhere (Ceph RGW ignores If-Match on DELETE,
 * see test/setup/README.md). The decision comes from a once-per-client probe: a DeleteObject with an
 * If-Match no object has, on a scratch key that does not exist.
 */
const LOCK_KEY = 'path/to/terraform.tfstate.tflock';

async function cycle(client: StateClient): Promise<void> {
  await client.withLock(async () => {
    await client.readState();
    await client.writeState(Buffer.from(TF_EMPTY_STATE));
  }, { operation: 'OperationTypeApply' });
}

/** What AWS answers to the probe (no local server honours If-Match on DELETE): an SDK-level stub of that one answer. */
function answerProbeAsAws(be: TestBackend, status: 404 | 412): void {
  be.s3.middlewareStack.add((next: any, context: any) => async (args: any) => {
    if (context.commandName === 'DeleteObjectCommand' && args.input.IfMatch && String(args.input.Key).endsWith('.if-match-probe')) {
      const name = status === 404 ? 'NoSuchKey' : 'PreconditionFailed';
      throw Object.assign(new Error(status === 404 ? 'The specified key does not exist.' : 'At least one of the pre-conditions you specified did not hold'), {
        name, $metadata: { httpStatusCode: status },
      });
    }
    return next(args);
  }, { step: 'initialize', name: 'awsConditionalDelete' });
}

describe('lock cycle and the conditional-delete probe', () => {
  test('where If-Match on DELETE is ignored (RGW), the probe says so and the cycle is 5 requests: release reads the lock file first', async () => {
    const be = await newBackend('lockfile');
    try {
      const client = be.client();
      await cycle(client);
      be.s3Log.length = 0;
      await cycle(client);
      expect(ops(be.s3Log)).toEqual(['PutObject', 'GetObject', 'PutObject', 'GetObject', 'DeleteObject']);
      expect(be.s3Log.filter(isProbe)).toEqual([]);
      expect(await be.rawExists(LOCK_KEY)).toBe(false);
    } finally {
      await be.destroy();
    }
  });

  test.each([404, 412] as const)('where DeleteObject honours If-Match (AWS answers the probe with %d), the cycle is 4 requests: DELETE If-Match the ETag of our own PUT', async (status) => {
    const be = await newBackend('lockfile');
    try {
      answerProbeAsAws(be, status);
      const client = be.client();
      await cycle(client);
      be.s3Log.length = 0;
      await cycle(client);
      expect(ops(be.s3Log)).toEqual(['PutObject', 'GetObject', 'PutObject', 'DeleteObject']);
      const [lockPut] = be.s3Log;
      const del = be.s3Log[be.s3Log.length - 1];
      expect(del.input).toMatchObject({ Key: LOCK_KEY });
      expect(del.headers['if-match']).toBeDefined();
      expect(lockPut.input.Key).toBe(LOCK_KEY);
      expect(await be.rawExists(LOCK_KEY)).toBe(false);
    } finally {
      await be.destroy();
    }
  });

  test('the fast release never removes a lock someone else wrote over ours: a 412 falls back to the read, which names the holder', async () => {
    const be = await newBackend('lockfile');
    try {
      answerProbeAsAws(be, 404);
      const client = be.client();
      const id = await client.lock();
      const foreign = (await be.rawGet(LOCK_KEY))!.body.toString().replace(id, 'ffffffff-0000-1111-2222-333333333333');
      // AWS's answer to a DELETE whose If-Match no longer matches, after the lock file was replaced.
      be.s3.middlewareStack.add((next: any, context: any) => async (args: any) => {
        if (context.commandName === 'DeleteObjectCommand' && args.input.Key === LOCK_KEY && args.input.IfMatch) {
          await be.rawPut(LOCK_KEY, foreign);
          throw Object.assign(new Error('precondition'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
        }
        return next(args);
      }, { step: 'initialize', name: 'replacedLock' });
      const err = await client.unlock(id).catch((e) => e);
      expect(isLockIdMismatchError(err)).toBe(true);
      expect((await be.rawGet(LOCK_KEY))!.body.toString()).toBe(foreign);
    } finally {
      await be.destroy();
    }
  });

  test('the probe runs once per client (shared with withWorkspace clients), on a fresh key next to the lock file, and leaves nothing behind on a versioned bucket', async () => {
    const be = await newBackend('lockfile', { versioned: true });
    try {
      const client = be.client();
      await cycle(client);
      await cycle(client.withWorkspace('other'));
      await cycle(client);
      const probes = be.s3Log.filter(isProbe);
      // RGW ignores the header: the first DELETE is answered 204 with a delete marker, which is removed by its version ID.
      expect(probes.map((r) => r.input.IfMatch ? 'conditional' : `version ${r.input.VersionId ? 'given' : 'missing'}`)).toEqual(['conditional', 'version given']);
      // A fixed key, so that a policy can allow exactly this request (the construct's grants do).
      expect(probes[0].input.Key).toBe('path/to/terraform.tfstate.tflock.if-match-probe');
      const left = await be.s3.send(new ListObjectVersionsCommand({ Bucket: be.bucket, Prefix: `${LOCK_KEY}.if-match-probe` }));
      expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
    } finally {
      await be.destroy();
    }
  });

  test('a lock file another tool wrote, which Go\'s decoder would refuse, can still be inspected and released by its ID', async () => {
    const be = await newBackend('lockfile');
    try {
      await be.rawPut(LOCK_KEY, '{"ID":"other-tool-1","Operation":3,"Who":"bot","Created":"yesterday"}');
      const client = be.client();
      await expect(client.getLockInfo()).resolves.toMatchObject({ ID: 'other-tool-1', Who: 'bot', Operation: '' });
      await client.unlock('other-tool-1');
      expect(await be.rawExists(LOCK_KEY)).toBe(false);
    } finally {
      await be.destroy();
    }
  });
});
