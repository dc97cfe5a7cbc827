/**
 * The contention benchmark: N writers, each its own client, start together and do lock → read →
 * increment an output → write → unlock with a lock wait. Run once per retry schedule, side by side.
 */
import { median, newClient } from './common';
import { createBucket, log, smallState, unique } from './resources';
import { isStateLockedError, type LockRetryTiming, type StateClient } from '../src/client';
import type { StateFile } from '../src/protocol/state';
import type { LocalServers } from '../test/setup/local-servers';
import { FaultProxy } from '../test/support/fault-proxy';

/**
 * The round trip of the S3-like rows, ms: every S3 request goes through a proxy that holds it for
 * half of this before forwarding and its response for the other half. AWS speaks of median latencies
 * "in the tens of milliseconds" for small S3 requests (whitepaper "Best Practices Design Patterns:
 * Optimizing Amazon S3 Performance", "Timeouts and Retries for Latency-Sensitive Applications");
 * 20 ms is the low end, where polling costs the most against a lock cycle.
 */
export const S3_LIKE_RTT_MS = 20;

/** One run of the contention benchmark. */
export interface ContentionResult {
  readonly label: string;
  /** Which of {@link SCHEDULES}. */
  readonly schedule: ScheduleKind;
  readonly writers: number;
  readonly totalMs: number;
  readonly serialMs: number;
  readonly lost: number;
  readonly finalCounter: number;
  readonly lockAttempts: number;
  /** Median time from one writer's last state write to the next writer's first read, ms. */
  readonly handoffMs: number;
  /** Median time of a writer's read + write while holding the lock, ms (uncontended: {@link soloHoldMs}). */
  readonly holdMs: number;
  readonly soloHoldMs: number;
  /** Round trip added to every S3 request, ms (0: straight to the local server). */
  readonly rttMs: number;
  /** The timed bound's waiters tried at each release ({@link TimedRandom}); absent on other rows. */
  readonly contenders?: number;
}

/** How many waiters {@link TimedRandom} lets try at each release: about as many refused attempts per hand-off as the client's schedule makes. */
export const TIMED_CONTENDERS = 3;

/**
 * The retry schedules compared: the client's default, Terraform's `statemgr.LockWithContext` (1 s
 * doubling to 16 s), and the floor of any schedule (`floor`, see {@link InOrder}).
 */
export const SCHEDULES: readonly Schedule[] = [
  { kind: 'client', label: 'client default (hand-off)' },
  { kind: 'terraform', label: 'Terraform (1 s doubling to 16 s)', lockRetry: { initialDelayMs: 1000, maxDelayMs: 16_000, policy: 'terraform' } },
  { kind: 'floor', label: 'floor: one attempt each, then hand-offs in order' },
  { kind: 'timed', label: `bound: told each release, ${TIMED_CONTENDERS} random waiters try` },
];

export type ScheduleKind = 'client' | 'terraform' | 'floor' | 'timed';

interface Schedule {
  readonly kind: ScheduleKind;
  readonly label: string;
  readonly lockRetry?: LockRetryTiming;
}

/**
 * A second bound, between the floor and any real schedule: the moment the lock is released is known
 * (an in-process signal; the floor, {@link InOrder}, is the case of one waiter, the longest waiting), but not who is next: at each release `contenders`
 * waiters picked at random try at once, one wins and the others are refused (each refusal the
 * conditional PUT and the GET of the holder, as in every schedule) and wait for the next release.
 * What it measures against the client's schedule, which makes about as many refused attempts, is
 * the cost of not knowing when the lock changes hands; against the floor, the cost of the refusals.
 */
export class TimedRandom {
  private readonly waiting: (() => void)[] = [];
  /** A release happened with nobody waiting: the next writer to wait goes at once. */
  private free = false;

  constructor(private readonly contenders: number, private readonly random: () => number = Math.random) {}

  /** Runs `attempt` (one conditional create and, if taken, the cycle) until it is not refused. */
  public async run(attempt: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        await attempt();
        this.released();
        return;
      } catch (e) {
        if (!isStateLockedError(e)) throw e;
      }
      await this.wait();
    }
  }

  private wait(): Promise<void> {
    if (this.free) {
      this.free = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private released(): void {
    if (!this.waiting.length) {
      this.free = true;
      return;
    }
    for (let n = Math.min(this.contenders, this.waiting.length); n > 0; n--) {
      this.waiting.splice(Math.floor(this.random() * this.waiting.length), 1)[0]();
    }
  }
}

/**
 * The floor of any retry schedule, which no waiter can reach on its own: every writer makes the one
 * attempt that every schedule makes (the crowd at the start is the same), and a refused writer then
 * waits in an in-process queue that lets it try again the moment the writer before it has released
 * the lock, as if each waiter knew when the lock changes hands and who is next. Every attempt is
 * still the client's conditional create with no wait (`timeoutMs: 0`): a writer refused in the
 * queue (by a late first attempt of another writer) waits again, at the end of the queue.
 */
export class InOrder extends TimedRandom {
  constructor() {
    // One waiter per release, the one that has waited longest (the head of the waiting list).
    super(1, () => 0);
  }
}

/**
 * `bucket` must be new and unversioned (RGW ignores If-None-Match on versioned buckets, see
 * test/setup/README.md). `seed` is a state with a numeric `counter` output.
 */
export async function contention(
  servers: LocalServers, bucket: string, seed: StateFile, schedule: (typeof SCHEDULES)[number], writers = 32, rttMs = 0,
): Promise<ContentionResult> {
  if (rttMs <= 0) return contend(servers, bucket, seed, schedule, writers, 0);
  // Lock-file mode: only S3 requests are made, all through the proxy (the uncontended cycle too).
  const proxy = await FaultProxy.start(servers.s3Endpoint);
  proxy.add({ match: {}, action: 'latency', delayMs: rttMs, times: Number.MAX_SAFE_INTEGER });
  try {
    return await contend({ ...servers, s3Endpoint: proxy.url }, bucket, seed, schedule, writers, rttMs);
  } finally {
    await proxy.close();
  }
}

async function contend(
  servers: LocalServers, bucket: string, seed: StateFile, schedule: (typeof SCHEDULES)[number], writers: number, rttMs: number,
): Promise<ContentionResult> {
  // BENCH_CLIENT_RETRY (JSON LockRetryTiming) overrides the client's default schedule, to try others.
  const override = process.env.BENCH_CLIENT_RETRY && schedule.kind === 'client' ? JSON.parse(process.env.BENCH_CLIENT_RETRY) as LockRetryTiming : undefined;
  const lockRetry = schedule.lockRetry ?? override;
  const make = () => newClient(servers, bucket, 'lockfile', undefined, lockRetry ? { lockRetry } : {});
  const first = make();
  await first.writeState(seed);
  const spans: [number, number][] = [];
  const cycle = async (c: StateClient, timeoutMs = 1_800_000) => c.withLock(async () => {
    const start = performance.now();
    const s = (await c.readState())!;
    const n = Number(s.state.outputs.counter.value);
    await c.writeState({ ...s.state, serial: s.state.serial + 1, outputs: { ...s.state.outputs, counter: { value: n + 1, type: 'number' } } });
    spans.push([start, performance.now()]);
  // Terraform's schedule has no jitter: once the waits reach 16 s, every waiter wakes at the same
  // moment and one of them wins, so 32 writers take minutes; the timeout leaves room for that.
  }, { operation: 'OperationTypeApply', timeoutMs });
  // Ideal serial time: the same cycle uncontended, times the number of writers; measured 10 times
  // before the run and 10 times after it, so that the machine's drift during the run is on both sides.
  const solo: number[] = [];
  const soloHolds: number[] = [];
  const uncontended = async () => {
    for (let i = 0; i < 10; i++) {
      const t = process.hrtime.bigint();
      await cycle(first);
      solo.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    soloHolds.push(...spans.map(([a, b]) => b - a));
    spans.length = 0;
  };
  await uncontended();
  const base = Number((await first.readState())!.state.outputs.counter.value);
  const clients = Array.from({ length: writers }, make);
  // Warm clients, as the one that measured the uncontended cycle: each has loaded its SDK client and
  // opened a connection (one GET of the free lock), so the run measures waiting, not start-up.
  await Promise.all(clients.map((c) => c.getLockInfo()));
  for (const c of clients) c.resetRequestCounts();
  const t = process.hrtime.bigint();
  const inOrder = new InOrder();
  const timed = new TimedRandom(TIMED_CONTENDERS);
  const run = (c: StateClient) => {
    switch (schedule.kind) {
      case 'floor': return inOrder.run(() => cycle(c, 0));
      case 'timed': return timed.run(() => cycle(c, 0));
      default: return cycle(c);
    }
  };
  await Promise.all(clients.map(run));
  const totalMs = Number(process.hrtime.bigint() - t) / 1e6;
  const finalCounter = Number((await first.readState())!.state.outputs.counter.value) - base;
  // Every PutObject of a writer beyond its lock and its state write is a refused lock attempt.
  const lockAttempts = clients.reduce((sum, c) => sum + (c.requestCounts.s3.PutObject ?? 0) - 2, 0);
  const handoffs = spans.slice(1).map(([a], i) => a - spans[i][1]);
  const holdMs = median(spans.map(([a, b]) => b - a));
  spans.length = 0;
  await uncontended();
  for (const c of [first, ...clients]) c.destroy();
  return {
    label: schedule.label,
    schedule: schedule.kind,
    writers,
    totalMs,
    serialMs: median(solo) * writers,
    lost: writers - finalCounter,
    finalCounter,
    lockAttempts,
    handoffMs: median(handoffs),
    holdMs,
    soloHoldMs: median(soloHolds),
    rttMs,
    ...(schedule.kind === 'timed' ? { contenders: TIMED_CONTENDERS } : {}),
  };
}

/**
 * `repetitions` runs of the client's schedule, the floor and the timed bound ({@link TimedRandom}),
 * interleaved, and one of Terraform's (a run of Terraform's takes minutes, see {@link SCHEDULES}), each
 * on a new unversioned bucket: RGW ignores If-None-Match on versioned buckets (test/setup/README.md).
 * Then the same runs of the client's schedule and the floor at an S3-like round trip
 * ({@link S3_LIKE_RTT_MS}; Terraform's would take minutes again and is left out).
 * `BENCH_SCHEDULES=client` (or `terraform`, `floor`, `timed`) runs one only, `BENCH_RTT=0` (or `20`)
 * one latency only.
 */
export async function contentionRuns(servers: LocalServers, repetitions: number): Promise<ContentionResult[]> {
  const which = process.env.BENCH_SCHEDULES;
  const rtt = process.env.BENCH_RTT;
  const [client, terraform, floor, bound] = SCHEDULES;
  const rounds = (rttMs: number, schedules: (typeof SCHEDULES)[number][]) =>
    Array.from({ length: repetitions }, () => schedules.map((schedule) => ({ schedule, rttMs }))).flat();
  const plan = [...rounds(0, [client, floor, bound]), { schedule: terraform, rttMs: 0 }, ...rounds(S3_LIKE_RTT_MS, [client, floor])]
    .filter((r) => (!which || which === r.schedule.kind) && (rtt === undefined || Number(rtt) === r.rttMs));
  const out: ContentionResult[] = [];
  for (const { schedule, rttMs } of plan) {
    const bucket = unique('bench-contention');
    await createBucket(servers, bucket);
    const r = await contention(servers, bucket, smallState(1, 0), schedule, 32, rttMs);
    log(`contention, ${r.label}, ${rttMs} ms round trip: ${(r.totalMs / r.serialMs).toFixed(2)}× ideal, ${r.lost} lost, ${r.lockAttempts} refused attempts, hand-off ${r.handoffMs.toFixed(1)} ms, hold ${r.holdMs.toFixed(1)} ms (solo ${r.soloHoldMs.toFixed(1)})`);
    out.push(r);
  }
  return out;
}
