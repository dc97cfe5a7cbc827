/**
 * The bound rows of the contention benchmark (bench/contention.ts): the floor (`InOrder`: every writer
 * makes one attempt, then the refused ones take turns, each the moment the one before it released)
 * and the timed bound (`TimedRandom`: at each release, a few waiters picked at random try at once).
 * Checked here against an in-memory lock, so that the benchmark can neither deadlock nor let two
 * writers in.
 */
import { InOrder, TimedRandom } from '../../bench/contention';
import { StateLockedError } from '../../src/client';

const holder = { ID: 'h', Operation: 'OperationTypeApply', Info: '', Who: 'w', Version: '1.10.0', Created: '2026-01-01T00:00:00Z', Path: 'b/k' };

/** A lock taken by the first attempt that finds it free; an attempt holds it for a few ticks. */
function memoryLock() {
  let held = false;
  const order: number[] = [];
  let attempts = 0;
  const attempt = (writer: number, hold = 3) => async () => {
    attempts++;
    await new Promise((r) => setImmediate(r));
    if (held) throw new StateLockedError('the lock file already exists', holder);
    held = true;
    for (let i = 0; i < hold; i++) await new Promise((r) => setImmediate(r));
    order.push(writer);
    held = false;
  };
  return { attempt, order, attempts: () => attempts };
}

/** Writer 1's attempts: the first is refused 20 ms late (after writer 0 came and went), the next ones try the lock. */
function lateRefusal(lock: ReturnType<typeof memoryLock>): () => Promise<void> {
  let refuse = true;
  return async () => {
    if (refuse) {
      refuse = false;
      await new Promise((r) => setTimeout(r, 20));
      throw new StateLockedError('the lock file already exists', holder);
    }
    return lock.attempt(1)();
  };
}

/** Fails fast instead of at jest's timeout when the queue deadlocks. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no result within ${ms} ms: deadlock`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('bench floor (InOrder)', () => {
  test('every writer gets the lock once and the queue lets one try at a time: one refused attempt each but the first', async () => {
    const lock = memoryLock();
    const inOrder = new InOrder();
    await within(5000, Promise.all(Array.from({ length: 8 }, (_, w) => inOrder.run(lock.attempt(w)))));
    expect([...lock.order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(lock.attempts()).toBe(8 + 7);
  });

  test('a release before anyone queued is not lost: the next writer to queue goes at once', async () => {
    const lock = memoryLock();
    const inOrder = new InOrder();
    // Writer 0 takes the lock and releases it before writer 1's refusal has come back.
    const late = lateRefusal(lock);
    await within(5000, Promise.all([inOrder.run(lock.attempt(0, 0)), inOrder.run(late)]));
    expect(lock.order).toEqual([0, 1]);
  });

  test('an error other than a refused lock ends the writer', async () => {
    const inOrder = new InOrder();
    await expect(inOrder.run(async () => { throw new Error('access denied'); })).rejects.toThrow('access denied');
  });
});

describe('bench timed bound (TimedRandom)', () => {
  test.each([1, 3])('%i contender(s): every writer gets the lock once; each release lets that many try (fewer when fewer wait)', async (k) => {
    const lock = memoryLock();
    const timed = new TimedRandom(k);
    await within(5000, Promise.all(Array.from({ length: 8 }, (_, w) => timed.run(lock.attempt(w)))));
    expect([...lock.order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The start: all 8 try, 7 are refused. At the releases with 7, 6, ..., 1 writers waiting,
    // min(k, waiting) try and all but one are refused (a refused one waits again before the next release).
    const refusedAfterStart = [7, 6, 5, 4, 3, 2, 1].reduce((n, waiting) => n + Math.min(k, waiting) - 1, 0);
    expect(lock.attempts()).toBe(8 + 7 + refusedAfterStart);
  });

  test('waiters are picked at random: with a fixed pick, the last to wait goes first', async () => {
    const lock = memoryLock();
    // random() just below 1 picks the last waiter in the list each time.
    const timed = new TimedRandom(1, () => 0.999);
    await within(5000, Promise.all(Array.from({ length: 4 }, (_, w) => timed.run(lock.attempt(w)))));
    expect(lock.order[0]).toBe(0);
    expect(lock.order.slice(1)).toEqual([3, 2, 1]);
  });

  test('a release before anyone waits is not lost: the next writer to wait goes at once', async () => {
    const lock = memoryLock();
    const timed = new TimedRandom(3);
    const late = lateRefusal(lock);
    await within(5000, Promise.all([timed.run(lock.attempt(0, 0)), timed.run(late)]));
    expect(lock.order).toEqual([0, 1]);
  });

  test('an error other than a refused lock ends the writer', async () => {
    await expect(new TimedRandom(3).run(async () => { throw new Error('access denied'); })).rejects.toThrow('access denied');
  });
});
