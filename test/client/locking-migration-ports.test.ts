import { StateClient } from '../../src/client';

// The refusals of the migrate-locking methods happen before any request (no server needed).

const client = (config: Record<string, unknown> = {}) => StateClient.fromConfig({
  bucket: 'b', key: 'k', region: 'eu-west-1', skip_credentials_validation: true, ...config,
}, { env: {} });

describe('StateClient methods for migrate-locking', () => {
  test('deleteDigestItem refuses a LockID that is not a digest item (a lock item must never go this way), with no request', async () => {
    const c = client({ dynamodb_table: 't' });
    try {
      await expect(c.deleteDigestItem('b/k')).rejects.toMatchObject({ code: 'NOT_A_DIGEST_ITEM', message: expect.stringMatching(/"b\/k" is not a digest item .*-md5.*nothing was deleted/) });
      expect(c.requestCounts.total).toBe(0);
    } finally {
      c.destroy();
    }
  });

  test('readLockItem and deleteDigestItem without dynamodb_table fail naming the setting, with no request', async () => {
    const c = client({ use_lockfile: true });
    try {
      await expect(c.readLockItem('b/k')).rejects.toMatchObject({ code: 'NO_LOCK_TABLE', message: expect.stringContaining('no dynamodb_table is configured') });
      await expect(c.deleteDigestItem('b/k-md5')).rejects.toMatchObject({ code: 'NO_LOCK_TABLE' });
      expect(c.requestCounts.total).toBe(0);
    } finally {
      c.destroy();
    }
  });
});
