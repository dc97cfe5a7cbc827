import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import { TF_EMPTY_STATE, TestBackend, newBackend, ops } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { isConfigValidationError } from '../../src/client';

/**
 * OpenTofu 1.11's `state_tags` and `lock_tags` on Ceph RGW. OpenTofu sends them as `x-amz-tagging` on
 * the state PutObject (`RemoteClient.Put`) and the lock-file PutObject (`RemoteClient.s3Lock`), both
 * through `configurePutObjectTags` in internal/backend/remote-state/s3/client.go; the lock release
 * (DeleteObject) and the digest (DynamoDB) carry none.
 */
const STATE_KEY = 'path/to/terraform.tfstate';
const LOCK_KEY = `${STATE_KEY}.tflock`;
const STATE_TAGS = { 'object:type': 'state', 'team': 'platform & ops' };
const LOCK_TAGS = { 'object:type': 'lock' };

async function tagsOf(be: TestBackend, key: string): Promise<Record<string, string>> {
  const out = await be.s3.send(new GetObjectTaggingCommand({ Bucket: be.bucket, Key: key }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

describe('state_tags and lock_tags', () => {
  test('the state object and the lock file carry their tags; the header is encoded as OpenTofu encodes it', async () => {
    const be = await newBackend('lockfile', { versioned: true, config: { state_tags: STATE_TAGS, lock_tags: LOCK_TAGS } });
    try {
      const client = be.client();
      let lockTags: Record<string, string> | undefined;
      await client.withLock(async () => {
        lockTags = await tagsOf(be, LOCK_KEY);
        await client.writeState(Buffer.from(TF_EMPTY_STATE));
      }, { operation: 'OperationTypeApply' });
      expect(lockTags).toEqual(LOCK_TAGS);
      expect(await tagsOf(be, STATE_KEY)).toEqual(STATE_TAGS);

      const puts = be.s3Log.filter((r) => r.op === 'PutObject' && !String(r.input.Key).includes('probe'));
      expect(puts.map((r) => [r.input.Key, r.headers['x-amz-tagging']])).toEqual([
        [LOCK_KEY, 'object%3Atype=lock'],
        // Go would send 'platform+%26+ops'; RGW would store the '+' literally (see encodeTagging).
        [STATE_KEY, 'object%3Atype=state&team=platform%20%26%20ops'],
      ]);
      // The release is a DELETE: no tags, as OpenTofu.
      expect(be.s3Log.filter((r) => r.op === 'DeleteObject').every((r) => r.headers['x-amz-tagging'] === undefined)).toBe(true);
    } finally {
      await be.destroy();
    }
  });

  test('without tags (or with empty maps) no request carries x-amz-tagging', async () => {
    const be = await newBackend('lockfile', { config: { state_tags: {}, lock_tags: {} } });
    try {
      const client = be.client();
      await client.withLock(() => client.writeState(Buffer.from(TF_EMPTY_STATE)));
      expect(be.s3Log.some((r) => 'x-amz-tagging' in r.headers)).toBe(false);
      expect(await tagsOf(be, STATE_KEY)).toEqual({});
    } finally {
      await be.destroy();
    }
  });

  // AWS S3 puts the x-amz-tagging of CreateMultipartUpload on the completed object. The Ceph RGW of
  // the test servers accepts the header but stores no tags for a multipart object, so only the
  // request is asserted here.
  test('a state above the streaming threshold, written in parts, sends the state tags on CreateMultipartUpload', async () => {
    const be = await newBackend('none', { config: { state_tags: STATE_TAGS } });
    const dir = mkdtempSync(join(tmpdir(), 'tfstate-tags-'));
    try {
      const big = join(dir, 'big.tfstate');
      await writeSyntheticState(big, 9 * 1024 * 1024, { serial: 1 });
      await be.client().pushStateFromFile(big);
      expect(ops(be.s3Log)).toContain('CreateMultipartUpload');
      expect(be.s3Log.find((x) => x.op === 'CreateMultipartUpload')!.headers['x-amz-tagging']).toBe('object%3Atype=state&team=platform%20%26%20ops');
      expect(be.s3Log.filter((x) => x.op === 'UploadPart' || x.op === 'CompleteMultipartUpload').some((x) => 'x-amz-tagging' in x.headers)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await be.destroy();
    }
  }, 300_000);

  test('fails before any request when the tags are invalid: OpenTofu\'s type error, S3\'s limits', async () => {
    const be = await newBackend('lockfile');
    try {
      const wrongType = (() => be.client({}, { state_tags: 'team=platform' as never }));
      expect(wrongType).toThrow('Inappropriate value for attribute "state_tags": map of string required.');
      let err: unknown;
      try {
        be.client({}, { lock_tags: { 'aws:createdBy': 'me' } });
      } catch (e) {
        err = e;
      }
      expect(isConfigValidationError(err)).toBe(true);
      expect(String((err as Error).message)).toContain('The tag key "aws:createdBy" starts with "aws:"');
      expect(be.s3Log).toEqual([]);
      expect(await be.rawExists(STATE_KEY)).toBe(false);
    } finally {
      await be.destroy();
    }
  });
});
