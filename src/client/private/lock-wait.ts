import type { LockInfo } from '../../protocol/lock-info';

/**
 * When to try a held lock again. Every attempt is the locker's own conditional create (a PUT with
 * `If-None-Match: *`, or a conditional PutItem), exactly as Terraform's `statemgr.LockWithContext`
 * retries (hashicorp/terraform internal/states/statemgr/locker.go); only the waits differ. No other
 * channel: what a waiter knows comes from the holders it was refused by (their ID and `Created`).
 */
export interface LockWait {
  /**
   * Records the holder that refused the attempt made now (which took `attemptMs`); returns the
   * wait before the next attempt, ms.
   */
  next(holder: LockInfo, attemptMs?: number): number;
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
  public next(_holder?: LockInfo, _attemptMs?: number): number {
    const wait = this.delay;
    if (this.delay < this.timing.maxDelayMs) this.delay = Math.min(this.delay * 2, this.timing.maxDelayMs);
    return wait;
  }
}

/** Samples kept of the hand-off period and of the holders' ages. */
const PERIOD_SAMPLES = 8;
/** Most hand-offs a waiter's attempts are spread over. */
const MAX_SPREAD = 2;
/** Quick retries after an aimed attempt found the holder still there. */
const QUICK_RETRIES = 3;

/**
 * The client's schedule: aims each attempt at the moment the lock is expected to change hands,
 * learned from what every refused attempt returns (the holder's ID and `Created`) and from how
 * long the attempt took.
 *
 * - Period (one hold plus the hand-off): `Created` of a lock written by a retry is the time of that
 *   attempt (see `acquireLock`), so the time between two holders' `Created` is one period or
 *   several; the smallest of the last few samples is an upper bound. A sample taken after a long
 *   wait spans many hand-offs and would make a waiter aim far too late (and, as it then samples
 *   at its own late aims, stay wrong), so the estimate is also capped by the longest age a
 *   holder was seen to reach (refused at `Created` + age: it held the lock at least that long).
 * - Aim: the next hand-off is expected at the holder's `Created` + period; a waiter picks one of
 *   the next one or two (more when others took the hand-offs it aimed at, fewer when it found
 *   them late) and tries in a window of a quarter period centred on it. Found early (the same
 *   holder), it tries again after an eighth of a period, up to three times.
 * - Before any hand-off was seen: capped exponential backoff with jitter from `initialDelayMs`,
 *   and at least about twice as long as the refused attempt took (uniformly 0 to 4 times):
 *   refused attempts slow down when a crowd loads the server, and a crowd that starts together
 *   spreads out instead of loading it more.
 * - A holder that stays longer than expected is tried again after half its age so far (a lock held
 *   for a minute is probably held for a while more), from a quarter period up to `maxDelayMs`.
 *
 * Another host's clock enters through differences of `Created` times and the ages (a skewed
 * clock makes a waiter aim early or late), and every wait stays within `[0, maxDelayMs]`: a wrong
 * clock costs time, never safety. Measured against Terraform's schedule in `npm run bench`
 * (docs/benchmarks.md, "Contention").
 */
export class HandOffLockWait implements LockWait {
  private readonly periods: number[] = [];
  /** The longest age seen of each of the last few holders (ms). */
  private readonly ages: number[] = [];
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

  /** `attemptMs`: how long the refused attempt took (the conditional create and the read of the holder). */
  public next(holder: LockInfo, attemptMs = 0): number {
    const created = createdMs(holder.Created);
    const now = this.now();
    const age = now - created;
    const previous = this.last;
    this.last = { id: holder.ID, created };
    if (previous && previous.id === holder.ID) {
      this.sameHolder++;
      if (this.ages.length && age > this.ages[this.ages.length - 1]) this.ages[this.ages.length - 1] = age;
    } else {
      this.sameHolder = 0;
      if (age >= 0) this.keep(this.ages, age);
      if (previous) this.learn(created - previous.created, created);
    }
    const period = this.period();
    if (period === undefined || !Number.isFinite(created)) {
      // No hand-off seen yet (or a `Created` that cannot be read): capped exponential backoff with
      // jitter, at least about twice the attempt.
      this.aim = undefined;
      const base = this.timing.initialDelayMs * 2 ** Math.min(Math.max(0, this.sameHolder - 1), 16);
      const backoff = Math.min(base, this.timing.maxDelayMs) * (0.5 + this.random());
      return this.bound(2 * attemptMs > backoff ? 4 * attemptMs * this.random() : backoff);
    }
    if (this.sameHolder > 0) {
      // Aimed too early: a few quick retries, keeping the aim (what happens next still tells about it).
      if (this.aim && this.sameHolder <= QUICK_RETRIES) return this.bound(Math.max(1, period / 8) * (0.5 + this.random()));
      // The holder outlived the expectation: after half its age, from a quarter period up to the longest wait.
      this.aim = undefined;
      return this.bound(Math.min(Math.max(age / 2, period / 4), this.timing.maxDelayMs) * (0.5 + this.random()));
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

  /**
   * The hand-off period estimate, ms, or undefined before any hand-off was seen: the smallest
   * recent sample, at most the longest age a recent holder was seen to reach (at least 1 ms).
   */
  public period(): number | undefined {
    if (!this.periods.length) return undefined;
    const sampled = Math.min(...this.periods);
    return this.ages.length ? Math.min(sampled, Math.max(1, ...this.ages)) : sampled;
  }

  private learn(elapsed: number, created: number): void {
    const aim = this.aim;
    // Hand-offs between the two holders seen: those aimed over, else as many as the period fits.
    const known = this.period();
    const steps = aim?.steps ?? (known ? Math.max(1, Math.round(elapsed / known)) : 1);
    const sample = elapsed / steps;
    if (sample > 0 && sample < 60_000) this.keep(this.periods, sample);
    if (!aim) return;
    // Early in the window aimed at: others try at the same hand-off. Late: nobody was there.
    const late = created - aim.start;
    this.spread = late <= aim.window / 2 ? Math.min(this.spread * 2, MAX_SPREAD) : Math.max(1, this.spread / 2);
  }

  private keep(samples: number[], value: number): void {
    samples.push(value);
    if (samples.length > PERIOD_SAMPLES) samples.shift();
  }

  private bound(ms: number): number {
    return Math.min(Math.max(0, ms), this.timing.maxDelayMs);
  }
}

/** Milliseconds since the epoch of a LockInfo `Created` (RFC 3339, up to 9 fraction digits); NaN when unreadable. */
export function createdMs(created: string): number {
  return Date.parse(created.replace(/(\.\d{3})\d+/, '$1'));
}
