import { HeldLocks } from '../../src/client/private/writer-lock';
import { LOCK_METADATA_KEYS, parseLockMetadata } from '../../src/protocol/attribution';
import { newLockInfo } from '../../src/protocol/lock-info';

const lock = (id: string, operation = 'OperationTypeApply') => newLockInfo({ id, operation, who: `${id}@ci`, version: '1.10.0', path: 'b/k', info: '' });

describe('HeldLocks: the writer a state write records', () => {
  test('without a lock: an empty ID, the client\'s who, no operation', () => {
    const held = new HeldLocks();
    expect(held.writerMetadata('me@host')).toEqual({ [LOCK_METADATA_KEYS.id]: '', [LOCK_METADATA_KEYS.who]: 'me@host', [LOCK_METADATA_KEYS.operation]: '' });
  });

  test('while a lock is held: that lock\'s ID, Who and Operation; after release: none again', () => {
    const held = new HeldLocks();
    held.add(lock('a'));
    expect(parseLockMetadata(held.writerMetadata('me@host'))).toEqual({ id: 'a', who: 'a@ci', operation: 'OperationTypeApply' });
    held.remove('a');
    expect(parseLockMetadata(held.writerMetadata('me@host'))).toEqual({ id: '', who: 'me@host', operation: '' });
  });

  test('with several IDs taken by hand, the most recent one still held names the writer', () => {
    const held = new HeldLocks();
    held.add(lock('a'));
    held.add(lock('b', 'OperationTypePlan'));
    expect(held.current()?.ID).toBe('b');
    held.remove('b');
    expect(held.current()?.ID).toBe('a');
  });
});

describe('HeldLocks.claimed: a lock ID passed in by the caller (lockId option)', () => {
  test('a lock taken elsewhere: its ID with this client\'s who and the operation, only while fn runs', async () => {
    const held = new HeldLocks();
    const inside = await held.claimed('ext', 'me@host', 'state-push', async () => parseLockMetadata(held.writerMetadata('me@host')));
    expect(inside).toEqual({ id: 'ext', who: 'me@host', operation: 'state-push' });
    expect(held.current()).toBeUndefined();
  });

  test('a lock this client holds keeps its own LockInfo, and stays held afterwards', async () => {
    const held = new HeldLocks();
    held.add(lock('own'));
    const inside = await held.claimed('own', 'me@host', 'state-push', async () => parseLockMetadata(held.writerMetadata('me@host')));
    expect(inside).toEqual({ id: 'own', who: 'own@ci', operation: 'OperationTypeApply' });
    expect(held.current()?.ID).toBe('own');
  });
});
