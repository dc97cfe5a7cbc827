import * as fc from 'fast-check';
import {
  attributeHistory,
  buildLockMetadata,
  decodeMetadataValue,
  encodeMetadataValue,
  LOCK_METADATA_KEYS,
  LOCK_METADATA_MAX_VALUE_LENGTH,
  LockVersionRef,
  orderLockEntries,
  parseLockMetadata,
  planAttribution,
  StateVersionRef,
} from '../../src/protocol/attribution';

const at = (hms: string, ms = 0) => new Date(Date.parse(`2026-11-30T${hms}Z`) + ms);
const lockPut = (versionId: string, hms: string, ms = 0): LockVersionRef => ({ versionId, lastModified: at(hms, ms), isDeleteMarker: false });
const unlock = (versionId: string, hms: string, ms = 0): LockVersionRef => ({ versionId, lastModified: at(hms, ms), isDeleteMarker: true });
const state = (versionId: string, hms: string, metadata?: Record<string, string>): StateVersionRef => ({
  versionId, lastModified: at(hms), metadata,
});
const info = (n: string) => ({ ID: `id-${n}`, Who: `${n}@ci`, Operation: 'OperationTypeApply' });

describe('lock metadata encoding', () => {
  test('printable ASCII other than % and space is kept; everything else is percent-encoded UTF-8', () => {
    expect(encodeMetadataValue('alice@build-7')).toBe('alice@build-7');
    expect(encodeMetadataValue('Jürgen Groß@höst')).toBe('J%C3%BCrgen%20Gro%C3%9F@h%C3%B6st');
    expect(encodeMetadataValue('100%')).toBe('100%25');
    expect(encodeMetadataValue('a\nb')).toBe('a%0Ab');
  });

  test('decoding reverses encoding for any text, and the encoding is header-safe ASCII', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const encoded = encodeMetadataValue(s);
      expect(encoded).toMatch(/^[\x21-\x7e]*$/);
      expect(decodeMetadataValue(encoded)).toBe(s);
    }), { numRuns: 300 });
  });

  test.each([['%ZZ'], ['a b'], ['%C3'], ['%FF'], ['caf\u00e9']])('decoding refuses %j, which this library never writes', (value) => {
    expect(decodeMetadataValue(value)).toBeUndefined();
  });

  test('buildLockMetadata writes the three keys; parseLockMetadata reads them back from a response of any key case', () => {
    const meta = buildLockMetadata({ ID: 'a1b2c3d4-0000-1111-2222-333344445555', Who: 'zoë@laptop', Operation: 'OperationTypeApply' });
    expect(Object.keys(meta).sort()).toEqual([LOCK_METADATA_KEYS.id, LOCK_METADATA_KEYS.operation, LOCK_METADATA_KEYS.who].sort());
    expect(meta[LOCK_METADATA_KEYS.who]).toBe('zo%C3%AB@laptop');
    const response = Object.fromEntries(Object.entries(meta).map(([k, v]) => [`X-Amz-Meta-${k.toUpperCase()}`, v]));
    expect(parseLockMetadata(response)).toEqual({ id: 'a1b2c3d4-0000-1111-2222-333344445555', who: 'zoë@laptop', operation: 'OperationTypeApply' });
    expect(parseLockMetadata(meta)).toEqual(parseLockMetadata(response));
  });

  test('a write without a lock records an empty ID; a version without the ID key has no metadata attribution', () => {
    expect(parseLockMetadata(buildLockMetadata({ id: '', who: 'a@b', operation: 'state-push' }))).toEqual({ id: '', who: 'a@b', operation: 'state-push' });
    expect(parseLockMetadata({ [LOCK_METADATA_KEYS.who]: 'a@b' })).toBeUndefined();
    expect(parseLockMetadata({ [LOCK_METADATA_KEYS.id]: 'x', [LOCK_METADATA_KEYS.who]: 'bad value' })).toBeUndefined();
    expect(parseLockMetadata(undefined)).toBeUndefined();
  });

  test('an overlong Who is shortened at a character boundary to fit S3 metadata, marked with an ellipsis', () => {
    const meta = buildLockMetadata({ id: 'i', who: 'ü'.repeat(1000), operation: 'o' });
    expect(meta[LOCK_METADATA_KEYS.who].length).toBeLessThanOrEqual(LOCK_METADATA_MAX_VALUE_LENGTH);
    const who = parseLockMetadata(meta)!.who;
    expect(who.endsWith('…')).toBe(true);
    expect(who.slice(0, -1)).toMatch(/^ü+$/);
  });
});

describe('planAttribution', () => {
  test('a state write inside one lock lifetime is attributed to that lock version, which alone is read', async () => {
    const locks = [unlock('d2', '10:05:00'), lockPut('L2', '10:04:00'), unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    const reads: string[] = [];
    const result = await attributeHistory([state('s1', '10:00:20')], locks, async (id) => {
      reads.push(id);
      return info(id);
    });
    expect(reads).toEqual(['L1']);
    expect(result[0].attribution).toEqual({ source: 'lock-file', lockVersionId: 'L1', lock: { id: 'id-L1', who: 'L1@ci', operation: 'OperationTypeApply' } });
  });

  test('several state writes under one lock (periodic persistence during apply) cost one read', async () => {
    const locks = [unlock('d1', '10:09:00'), lockPut('L1', '10:00:00')];
    const read = jest.fn(async (id: string) => info(id));
    const result = await attributeHistory([state('s3', '10:08:59'), state('s2', '10:04:00'), state('s1', '10:00:00')], locks, read);
    expect(read).toHaveBeenCalledTimes(1);
    expect(result.map((r) => r.attribution.source)).toEqual(['lock-file', 'lock-file', 'lock-file']);
  });

  test('versions written by this library are attributed from their metadata without reading any lock', async () => {
    const locks = [unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    const read = jest.fn(async (id: string) => info(id));
    const meta = buildLockMetadata({ ID: 'mine', Who: 'me@here', Operation: 'state-push' });
    const result = await attributeHistory([state('s1', '10:00:20', meta)], locks, read);
    expect(read).not.toHaveBeenCalled();
    expect(result[0].attribution).toEqual({ source: 'metadata', lock: { id: 'mine', who: 'me@here', operation: 'state-push' } });
  });

  test('GIVEN one lock ends and the next starts in the second of a state write THEN it is ambiguous, not guessed', () => {
    const locks = [lockPut('L2', '10:00:10', 900), unlock('d1', '10:00:10', 200), lockPut('L1', '10:00:00')];
    const plan = planAttribution([state('s1', '10:00:10')], locks);
    expect(plan.entries[0]).toMatchObject({ attribution: { source: 'ambiguous', lockVersionIds: ['L2', 'L1'] } });
    expect(plan.lockReads).toEqual([]);
  });

  test('a state write in the second a lock ended, with the next lock a second later, belongs to the ending lock', () => {
    const locks = [lockPut('L2', '10:00:11'), unlock('d1', '10:00:10'), lockPut('L1', '10:00:00')];
    expect(planAttribution([state('s1', '10:00:10')], locks).entries[0]).toMatchObject({ needsLockVersion: 'L1' });
  });

  test('equal LastModified keeps the listing order (newest first) to tell which entry ends which lifetime', () => {
    // L1 put and released in the same second, then L2 put in that second too and still held.
    const locks = [lockPut('L2', '10:00:05'), unlock('d1', '10:00:05'), lockPut('L1', '10:00:05')];
    const plan = planAttribution([state('s1', '10:00:09')], locks);
    expect(plan.entries[0]).toMatchObject({ needsLockVersion: 'L2' });
  });

  test('the lock still held (newest entry is a version) covers every later write', () => {
    const locks = [lockPut('L2', '10:04:00'), unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    expect(planAttribution([state('s1', '11:30:00')], locks).entries[0]).toMatchObject({ needsLockVersion: 'L2' });
  });

  test('writes outside every lock lifetime are unknown and cost no read', () => {
    const locks = [unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    const plan = planAttribution([state('s2', '10:02:00'), state('s1', '09:00:00')], locks);
    expect(plan.entries.map((e) => 'attribution' in e && e.attribution.source)).toEqual(['unknown', 'unknown']);
    expect(plan.lockReads).toEqual([]);
  });

  test('lock versions given in any order are ordered by time first', () => {
    const locks = [lockPut('L1', '10:00:00'), lockPut('L2', '10:04:00'), unlock('d1', '10:00:30'), unlock('d2', '10:05:00')];
    const plan = planAttribution([state('s2', '10:04:30'), state('s1', '10:00:10')], locks);
    expect(plan.lockReads).toEqual(['L2', 'L1']);
  });

  test('a held DynamoDB lock names writers since its Created, only where no lock file fits', () => {
    const held = { ...info('D'), Created: '2026-11-30T10:10:00.25Z' };
    const locks = [unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    const plan = planAttribution([state('s3', '10:12:00'), state('s2', '10:10:00'), state('s1', '10:09:59'), state('s0', '10:00:10')], locks, held);
    expect(plan.entries.map((e) => ('attribution' in e ? e.attribution.source : 'read'))).toEqual(['dynamodb', 'dynamodb', 'unknown', 'read']);
    expect(plan.entries[0]).toMatchObject({ attribution: { lock: { id: 'id-D', who: 'D@ci' } } });
  });

  test('a lock version that cannot be read leaves its writes unknown', async () => {
    const locks = [unlock('d1', '10:00:30'), lockPut('L1', '10:00:00')];
    const result = await attributeHistory([state('s1', '10:00:10')], locks, async () => undefined);
    expect(result[0].attribution).toEqual({ source: 'unknown' });
  });

  test('reads run at most `concurrency` at a time and each needed version is read exactly once', async () => {
    const locks: LockVersionRef[] = [];
    const states: StateVersionRef[] = [];
    for (let i = 0; i < 12; i++) {
      const m = String(i).padStart(2, '0');
      locks.push(lockPut(`L${i}`, `10:${m}:00`), unlock(`d${i}`, `10:${m}:30`));
      states.push(state(`s${i}a`, `10:${m}:10`), state(`s${i}b`, `10:${m}:20`));
    }
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const result = await attributeHistory(states, locks, async (id) => {
      seen.push(id);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return info(id);
    }, { concurrency: 3 });
    expect(peak).toBe(3);
    expect([...seen].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `L${i}`).sort());
    expect(result.every((r) => r.attribution.source === 'lock-file')).toBe(true);
    expect(result.find((r) => r.versionId === 's7b')!.attribution).toMatchObject({ lockVersionId: 'L7' });
  });

  test('state metadata is read (HEAD) only for versions the lock file leaves ambiguous or unknown', async () => {
    const locks = [lockPut('L2', '10:00:10'), unlock('d1', '10:00:10'), lockPut('L1', '10:00:00')];
    const heads: string[] = [];
    const result = await attributeHistory(
      [state('s3', '10:00:10'), state('s2', '10:00:05'), state('s1', '09:00:00')],
      locks,
      async (id) => info(id),
      {
        readStateMetadata: async (id) => {
          heads.push(id);
          return id === 's3' ? buildLockMetadata({ id: 'mine', who: 'me@here', operation: 'apply' }) : {};
        },
      },
    );
    expect(heads.sort()).toEqual(['s1', 's3']);
    expect(result.map((r) => r.attribution.source)).toEqual(['metadata', 'lock-file', 'unknown']);
    expect(result[0].attribution).toEqual({ source: 'metadata', lock: { id: 'mine', who: 'me@here', operation: 'apply' } });
  });
});

describe('orderLockEntries (the SDK splits Versions and DeleteMarkers; the interleaving is rebuilt)', () => {
  const ids = (l: LockVersionRef[]) => l.map((x) => x.versionId);

  test('distinct times merge by time, newest first', () => {
    const versions = [lockPut('L2', '10:00:20'), lockPut('L1', '10:00:00')];
    const markers = [unlock('d2', '10:00:30'), unlock('d1', '10:00:10')];
    expect(ids(orderLockEntries(versions, markers))).toEqual(['d2', 'L2', 'd1', 'L1']);
  });

  test('GIVEN lock, unlock, lock, unlock all in one second THEN versions and markers alternate (a lock PUT needs the key absent)', () => {
    // Terraform/OpenTofu client.go lockWithFile: PutObject with If-None-Match: *, so two lock
    // versions are never adjacent; unlockWithFile: DeleteObject without a version ID (a marker).
    const versions = [lockPut('L2', '10:00:05'), lockPut('L1', '10:00:05')];
    const markers = [unlock('d2', '10:00:05'), unlock('d1', '10:00:05')];
    expect(ids(orderLockEntries(versions, markers))).toEqual(['d2', 'L2', 'd1', 'L1']);
  });

  test('GIVEN a lock released in the second it was taken and nothing for 10 s THEN its lifetime ends in that second', () => {
    // Versions first on a tie would stretch L1 to the next entry, 10 s later, and claim a lock-less write.
    const ordered = orderLockEntries([lockPut('L2', '10:00:15'), lockPut('L1', '10:00:05')], [unlock('d1', '10:00:05')]);
    expect(ids(ordered)).toEqual(['L2', 'd1', 'L1']);
    expect(planAttribution([state('s1', '10:00:10')], ordered).entries[0]).toMatchObject({ attribution: { source: 'unknown' } });
  });

  test('the lock held now (newest is a version) after a release in the same second', () => {
    expect(ids(orderLockEntries([lockPut('L2', '10:00:05'), lockPut('L1', '10:00:05')], [unlock('d1', '10:00:05')]))).toEqual(['L2', 'd1', 'L1']);
  });

  test('markers older than every version (expired lock versions) stay oldest', () => {
    expect(ids(orderLockEntries([lockPut('L1', '10:00:05')], [unlock('d0', '09:00:00')]))).toEqual(['L1', 'd0']);
  });
});
