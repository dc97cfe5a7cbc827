import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateLockedError, StateBackendError } from '../../src/client/errors';
import type { Locker } from '../../src/client/lockers/locker';
import { DoublingLockWait, HandOffLockWait } from '../../src/client/private/lock-wait';
import { DEFAULT_LOCK_RETRY_INITIAL_MS, DEFAULT_LOCK_RETRY_MAX_MS, acquireLock } from '../../src/client/private/locking';
import { newLockInfo, type LockInfo } from '../../src/protocol/lock-info';

/**
 * The lock retry schedule (`-lock-timeout`). Terraform's reference is `statemgr.LockWithContext`
 * (hashicorp/terraform internal/states/statemgr/locker.go): it calls `Lock` once, and while the
 * error is a `LockError` with a holder ID it waits 1 s, doubling after each wait while below 16 s,
 * returning the last lock error as soon as the context (the `-lock-timeout` deadline) ends; any
 * other error is returned at once. With `-lock-timeout=0` the context is already done after the
 * first refusal, so there is exactly one attempt.
 */

const holder = (id: string, created: Date): LockInfo =>
  newLockInfo({ operation: 'OperationTypeApply', who: 'other@host', id, now: created, path: 'b/k' });

/** A locker that refuses every attempt with `holderOf(n)`, counting attempts. */
function refusingLocker(holderOf: (attempt: number) => LockInfo | undefined = () => holder('held-1', new Date())) {
  const attempts: number[] = [];
  const locker: Locker = {
    kind: 'lockfile',
    lock: async () => {
      attempts.push(Date.now());
      throw new StateLockedError('the lock file s3://b/k.tflock already exists', holderOf(attempts.length));
    },
    unlock: async () => undefined,
    getLockInfo: async () => holderOf(attempts.length),
  };
  return { locker, attempts };
}

const target = (locker: Locker, retry?: Parameters<typeof acquireLock>[0]['retry']) =>
  ({ locker, lockPath: 'b/k', terraformVersion: '1.10.0', retry });

describe('Terraform\'s schedule (DoublingLockWait)', () => {
  test('1 s, 2 s, 4 s, 8 s, then 16 s every time, as statemgr.LockWithContext', () => {
    const w = new DoublingLockWait({ initialDelayMs: 1000, maxDelayMs: 16_000 });
    const h = holder('x', new Date());
    expect(Array.from({ length: 7 }, () => w.next(h))).toEqual([1000, 2000, 4000, 8000, 16_000, 16_000, 16_000]);
  });
});

describe('the client\'s schedule (HandOffLockWait)', () => {
  test('every wait stays within [0, maxDelayMs], whatever the holders\' clocks say', () => {
    let now = 1_700_000_000_000;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const w = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, random);
    for (let i = 0; i < 2000; i++) {
      // Holders change now and then, with Created anywhere from an hour behind to an hour ahead.
      const created = new Date(now + (random() - 0.5) * 7_200_000);
      const ms = w.next(holder(`h${Math.floor(i / 3)}`, created));
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(2000);
      now += ms + 1;
    }
  });

  test('a holder that stays is tried again with capped exponential backoff', () => {
    const now = 1_700_000_000_000;
    const w = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0.5);
    const h = holder('long-apply', new Date(now - 60_000));
    // Jitter 0.5 + random() = 1: the bare schedule.
    expect(Array.from({ length: 9 }, () => w.next(h))).toEqual([25, 25, 50, 100, 200, 400, 800, 1600, 2000]);
  });

  test('after seeing holders change every 20 ms, it aims at the next expected hand-off', () => {
    let now = 1_700_000_000_000;
    const w = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0);
    // Refused by holder A (taken at t, 22 ms old), then by B (taken at t + 20): one hand-off took 20 ms.
    const t = now;
    now = t + 22;
    w.next(holder('A', new Date(t)));
    now = t + 25;
    const ms = w.next(holder('B', new Date(t + 20)));
    expect(w.period()).toBe(20);
    // Next hand-off expected at t + 40; the window (a quarter period) is centred on it: t + 37.5.
    expect(now + ms).toBeCloseTo(t + 37.5, 5);
  });

  test('a period sampled across a long wait is capped by the longest age a holder was seen to reach', () => {
    let now = 1_700_000_000_000;
    const w = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0.5);
    const t = now;
    // A (taken at t) still held the lock at t + 30: it held it at least 30 ms.
    now = t + 30;
    w.next(holder('A', new Date(t)));
    // The next look comes 570 ms later: B took the lock at t + 590. The 590 ms between the two
    // holders span many hand-offs that this waiter did not see.
    now = t + 600;
    const ms = w.next(holder('B', new Date(t + 590)));
    expect(w.period()).toBe(30);
    // Aimed at B's expected release (t + 620), not at t + 1180.
    expect(now + ms).toBeCloseTo(t + 620, 5);
  });

  test('before any hand-off, a slow refused attempt (a crowd at the server) makes a longer wait', () => {
    const now = 1_700_000_000_000;
    const fast = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0.5);
    const slow = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0.5);
    const h = holder('A', new Date(now));
    // A 5 ms attempt: the first wait of the backoff. A 200 ms one: uniformly 0 to 4 × 200 ms.
    expect(fast.next(h, 5)).toBe(25);
    expect(slow.next(h, 200)).toBe(400);
    expect(new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 300 }, () => now, () => 0.5).next(h, 200)).toBe(300);
  });

  test('aimed too early: three quick retries of an eighth of a period, then half the holder\'s age', () => {
    let now = 1_700_000_000_000;
    const w = new HandOffLockWait({ initialDelayMs: 25, maxDelayMs: 2000 }, () => now, () => 0.5);
    const t = now;
    now = t + 40;
    w.next(holder('A', new Date(t)));
    now = t + 45;
    const aimed = w.next(holder('B', new Date(t + 40)));
    expect(w.period()).toBe(40);
    expect(now + aimed).toBeCloseTo(t + 80, 5);
    // B is still there at its expected release, and after each quick retry.
    now = t + 80;
    expect([w.next(holder('B', new Date(t + 40))), w.next(holder('B', new Date(t + 40))), w.next(holder('B', new Date(t + 40)))])
      .toEqual([5, 5, 5]);
    // Then B has held the lock for 60 ms at t + 100: the next try comes after half that.
    now = t + 100;
    expect(w.next(holder('B', new Date(t + 40)))).toBe(30);
    // A long holder: half its age, up to the longest wait.
    now = t + 60_000;
    expect(w.next(holder('B', new Date(t + 40)))).toBe(2000);
  });
});

describe('acquireLock retries only what Terraform retries, until the deadline', () => {
  test('-lock-timeout=0 (the default): exactly one attempt, the holder\'s error', async () => {
    for (const retry of [undefined, { policy: 'terraform' as const }]) {
      const { locker, attempts } = refusingLocker();
      const err = await acquireLock(target(locker, retry), { operation: 'OperationTypeApply' }).catch((e) => e);
      expect(err).toBeInstanceOf(StateLockedError);
      expect((err as StateLockedError).lockInfo?.ID).toBe('held-1');
      expect(attempts).toHaveLength(1);
    }
  });

  test('Terraform\'s policy: waits double, and the deadline ends the wait with the last lock error', async () => {
    const { locker, attempts } = refusingLocker();
    const started = Date.now();
    const err = await acquireLock(target(locker, { policy: 'terraform', initialDelayMs: 20, maxDelayMs: 80 }), { timeoutMs: 250 }).catch((e) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(StateLockedError);
    // Attempts at 0, 20, 60, 140 ms; the next would be at 220... then 300 > 250: no attempt after the deadline.
    // (Timers on a loaded machine fire late, so the bounds leave room.)
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.length).toBeLessThanOrEqual(5);
    expect(attempts.slice(0, -1).every((a) => a - started < 250)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(245);
    expect(took).toBeLessThan(1000);
  });

  test('the client\'s schedule: bounded attempts, the last at the deadline, then the lock error', async () => {
    const { locker, attempts } = refusingLocker();
    const started = Date.now();
    const err = await acquireLock(target(locker), { timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(StateLockedError);
    // One holder that stays: backoff from 25 ms (jittered), so a handful of attempts, not hundreds.
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.length).toBeLessThanOrEqual(12);
    // At most one attempt (the last, made at the deadline) is not before it.
    expect(attempts.slice(0, -1).every((a) => a - started < 300)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a lock freed while waiting is taken, and a retried attempt keeps the lock ID', async () => {
    const ids: string[] = [];
    let n = 0;
    const locker: Locker = {
      kind: 'lockfile',
      lock: async (info) => {
        ids.push(info.ID);
        if (++n < 3) throw new StateLockedError('held', holder(`h${n}`, new Date()));
      },
      unlock: async () => undefined,
      getLockInfo: async () => undefined,
    };
    const id = await acquireLock(target(locker), { timeoutMs: 5000, id: 'my-lock-id' });
    expect(id).toBe('my-lock-id');
    expect(ids).toEqual(['my-lock-id', 'my-lock-id', 'my-lock-id']);
  });

  test('errors other than a held lock are not retried', async () => {
    let calls = 0;
    const locker: Locker = {
      kind: 'lockfile',
      lock: async () => {
        calls++;
        throw new StateBackendError('AccessDenied: not allowed to PutObject');
      },
      unlock: async () => undefined,
      getLockInfo: async () => undefined,
    };
    await expect(acquireLock(target(locker), { timeoutMs: 5000 })).rejects.toThrow('AccessDenied');
    expect(calls).toBe(1);
    // A refusal without a holder ID (Terraform: "an incomplete LockError") is final too.
    const anonymous = refusingLocker(() => undefined);
    await expect(acquireLock(target(anonymous.locker), { timeoutMs: 5000 })).rejects.toBeInstanceOf(StateLockedError);
    expect(anonymous.attempts).toHaveLength(1);
  });
});

test('the README states the defaults the client uses', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith('| `lockRetry` |'));
  expect(row).toContain(`initialDelayMs: ${DEFAULT_LOCK_RETRY_INITIAL_MS}, maxDelayMs: ${DEFAULT_LOCK_RETRY_MAX_MS}, policy: 'adaptive'`);
});
