import type { LockInfo } from '../../protocol/lock-info';

/**
 * When to try a held lock again. Every attempt is the locker's own conditional create (a PUT with
 * `If-None-Match: *`, or a conditional PutItem), exactly as Terraform's `statemgr.LockWithContext`
 * retries (hashicorp/terraform internal/states/statemgr/locker.go); only the waits differ. No other
 * channel: what a waiter knows comes from the holders it was refused by (their ID and `Created`).
 */
export interface LockWait {
  /** Records the holder that refused the attempt made now; returns the wait before the next attempt, ms. */
  next(holder: LockInfo): number;
}

/** Bounds of a schedule. */
export interface LockWaitTiming {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Terraform's schedule (`statemgr.LockWithContext`): 1 s, doubling after each wait while below
 * 16 s, no jitter; here with the configured first and longest wait.
 */
export class DoublingLockWait implements LockWait {
  private delay: number;

  constructor(private readonly timing: LockWaitTiming) {
    this.delay = timing.initialDelayMs;
  }

  /** The holder does not matter to Terraform's schedule. */
  public next(_holder?: LockInfo): number {
    const wait = this.delay;
    if (this.delay < this.timing.maxDelayMs) this.delay = Math.min(this.delay * 2, this.timing.maxDelayMs);
    return wait;
  }
}

/** Samples of the hand-off period kept (the smallest is the estimate). */
const PERIOD_SAMPLES = 8;
/** Most hand-offs a waiter skips between two attempts. */
const MAX_SPREAD = 64;

/**
 * The client's schedule: aims each attempt at the moment the lock is expected to change hands,
 * and spreads the crowd of waiters over the coming hand-offs so that about one of them tries at
 * each, whatever the number of waiters (which no waiter can know).
 *
 * - Period: `Created` of a lock written by a retry is the time of that attempt (see `acquireLock`),
 *   so the time between two holders' `Created` is one hold plus the idle gap; the smallest
 *   of the last few samples (per hand-off) estimates a hold. The next hand-off is expected at the
 *   current holder's `Created` + period.
 * - Spread: a waiter picks one of the next `spread` hand-offs at random and tries in a short window
 *   after its expected time. When it then finds a new holder that took the lock early in that
 *   window, others are trying at the same hand-off: it spreads further (×2). When the new holder
 *   came late, the lock sat idle: it spreads less (÷2). Every waiter sees the same holders, so the
 *   crowd settles near one attempt per hand-off: few refused requests, short idle gaps.
 * - A holder that stays longer than expected is tried again after its age so far (a lock held
 *   for a minute is probably held for a while more), from `initialDelayMs` up to `maxDelayMs`.
 *
 * Clocks of other hosts enter only through differences of `Created` times and the expected
 * hand-off, and every wait stays within `[0, maxDelayMs]`; a wrong clock costs time, never safety.
 */
export class HandOffLockWait implements LockWait {
  private readonly periods: number[] = [];
  private spread = 1;
  private last: { readonly id: string; readonly created: number } | undefined;
  /** The hand-off the last wait aimed at: how many hand-offs ahead, and its expected start. */
  private aim: { readonly steps: number; readonly start: number; readonly window: number } | undefined;
  private sameHolder = 0;

  constructor(
    private readonly timing: LockWaitTiming,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  public next(holder: LockInfo): number {
    const created = createdMs(holder.Created);
    const now = this.now();
    const previous = this.last;
    this.last = { id: holder.ID, created };
    if (previous && previous.id === holder.ID) {
      this.sameHolder++;
    } else {
      this.sameHolder = 0;
      if (previous) this.learn(created - previous.created, created);
    }
    const period = this.period();
    if (period === undefined || this.sameHolder > 0 || !Number.isFinite(created)) {
      // No hand-off seen yet, or the holder outlived the expectation: capped exponential backoff
      // with jitter, from the first wait (or a quarter period) up to the longest.
      this.aim = undefined;
      const first = period === undefined ? this.timing.initialDelayMs : Math.max(1, period / 4);
      const base = first * 2 ** Math.min(Math.max(0, this.sameHolder - 1), 16);
      return this.bound(Math.min(base, this.timing.maxDelayMs) * (0.5 + this.random()));
    }
    const steps = 1 + Math.floor(this.random() * this.spread);
    const window = Math.max(1, period / 4);
    // Centred on the expected hand-off: a period includes the idle gap this aims to shorten.
    const start = created + steps * period - window / 2;
    this.aim = { steps, start, window };
    return this.bound(start + this.random() * window - now);
  }

  /** The current spread (hand-offs a waiter's attempts are spread over), for tests. */
  public get currentSpread(): number {
    return this.spread;
  }

  /** The hand-off period estimate, ms, or undefined before any hand-off was seen. */
  public period(): number | undefined {
    return this.periods.length ? Math.min(...this.periods) : undefined;
  }

  private learn(elapsed: number, created: number): void {
    const aim = this.aim;
    // Hand-offs between the two holders seen: those aimed over, else as many as the period fits.
    const known = this.period();
    const steps = aim?.steps ?? (known ? Math.max(1, Math.round(elapsed / known)) : 1);
    const sample = elapsed / steps;
    if (sample > 0 && sample < 60_000) {
      this.periods.push(sample);
      if (this.periods.length > PERIOD_SAMPLES) this.periods.shift();
    }
    if (!aim) return;
    // Early in the window aimed at: others try at the same hand-off. Late: nobody was there.
    const late = created - aim.start;
    this.spread = late <= aim.window / 2 ? Math.min(this.spread * 2, MAX_SPREAD) : Math.max(1, this.spread / 2);
  }

  private bound(ms: number): number {
    return Math.min(Math.max(0, ms), this.timing.maxDelayMs);
  }
}

/** Milliseconds since the epoch of a LockInfo `Created` (RFC 3339, up to 9 fraction digits); NaN when unreadable. */
export function createdMs(created: string): number {
  return Date.parse(created.replace(/(\.\d{3})\d+/, '$1'));
}
