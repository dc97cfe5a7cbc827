import type { Locker } from '../../src/client/lockers/locker';
import { acquireLock } from '../../src/client/private/locking';
import { LOCK_INTERRUPTED, LOCKS_IN_PROCESS, countedWhileHeld, locksBusy, locksInProcess } from '../../src/client/private/locks-in-process';

/** The process-wide count of held locks that `tfstate` reads when a signal comes (src/cli/interrupts.ts). */
describe('locks held in this process', () => {
  test('counted for the time of the operation, nested ones too; callbacks run once when none is held', async () => {
    const registry = locksInProcess();
    expect((globalThis as any)[LOCKS_IN_PROCESS]).toBe(registry);
    const base = registry.held;
    expect(base).toBe(0); // each test file has its own global
    const seen: number[] = [];
    const done: string[] = [];
    await countedWhileHeld(async () => {
      seen.push(registry.held - base);
      registry.onNoneHeld.add(() => done.push('released'));
      await countedWhileHeld(async () => { seen.push(registry.held - base); });
      seen.push(registry.held - base);
      expect(done).toEqual([]);
    });
    expect([seen, registry.held - base]).toEqual([[1, 2, 1], 0]);
    expect(done).toEqual(['released']);
    expect(registry.onNoneHeld.size).toBe(0);
  });

  test('a failing operation is uncounted too, and its error is passed on', async () => {
    const registry = locksInProcess();
    const base = registry.held;
    const err = new Error('write failed');
    await expect(countedWhileHeld(async () => { throw err; })).rejects.toBe(err);
    expect(registry.held).toBe(base);
  });
});

/**
 * Acquisition attempts in flight: a conditional create whose answer has not come may have taken the
 * lock, so a program stopping on a signal waits for it (src/cli/interrupts.ts sets `stopping`), and
 * a lock taken then is released at once instead of starting the operation.
 */
describe('lock requests in flight', () => {
  /** A locker whose lock() answers when `answer` is called; records unlocks. */
  function slowLocker() {
    const calls: string[] = [];
    let answer!: () => void;
    const locker: Locker = {
      kind: 'lockfile',
      lock: (info) => {
        calls.push(`lock ${info.ID}`);
        return new Promise<void>((resolve) => { answer = resolve; });
      },
      unlock: async (id) => { calls.push(`unlock ${id}`); },
      getLockInfo: async () => undefined,
    };
    return { locker, calls, answer: () => answer() };
  }
  const target = (locker: Locker) => ({ locker, lockPath: 'b/k', terraformVersion: '1.10.0' });
  afterEach(() => {
    locksInProcess().stopping = false;
  });

  test('counted while in flight; the count ends when the lock is held (then counted as held by withLock)', async () => {
    const registry = locksInProcess();
    const { locker, answer } = slowLocker();
    const acquiring = acquireLock(target(locker), { id: 'id-1' });
    await new Promise((r) => setImmediate(r));
    expect([registry.acquiring, locksBusy(registry)]).toEqual([1, 1]);
    answer();
    await expect(acquiring).resolves.toBe('id-1');
    expect([registry.acquiring, locksBusy(registry)]).toEqual([0, 0]);
  });

  test('stopping while in flight: the lock taken is released at once, the attempt fails, then callbacks run', async () => {
    const registry = locksInProcess();
    const { locker, calls, answer } = slowLocker();
    const acquiring = acquireLock(target(locker), { id: 'id-2' });
    await new Promise((r) => setImmediate(r));
    registry.stopping = true;
    const done: string[] = [];
    registry.onNoneHeld.add(() => done.push(`none busy after ${calls.join(', ')}`));
    answer();
    await expect(acquiring).rejects.toThrow(LOCK_INTERRUPTED);
    expect(calls).toEqual(['lock id-2', 'unlock id-2']);
    expect(done).toEqual(['none busy after lock id-2, unlock id-2']);
  });

  test('stopping: no attempt is made', async () => {
    locksInProcess().stopping = true;
    const { locker, calls } = slowLocker();
    await expect(acquireLock(target(locker), { id: 'id-3' })).rejects.toThrow(LOCK_INTERRUPTED);
    expect(calls).toEqual([]);
  });
});
