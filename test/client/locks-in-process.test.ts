import { LOCKS_IN_PROCESS, countedWhileHeld, locksInProcess } from '../../src/client/private/locks-in-process';

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
