/**
 * The contention benchmark: N writers, each its own client, start together and do lock → read →
 * increment an output → write → unlock with a lock wait. Run once per retry schedule, side by side.
 */
import { median, newClient } from './common';
import type { LockRetryTiming, StateClient } from '../src/client';
import type { StateFile } from '../src/protocol/state';
import type { LocalServers } from '../test/setup/local-servers';

/** One run of the contention benchmark. */
export interface ContentionResult {
  readonly label: string;
  readonly writers: number;
  readonly totalMs: number;
  readonly serialMs: number;
  readonly lost: number;
  readonly finalCounter: number;
  readonly lockAttempts: number;
}

/** The retry schedules compared: the client's default, and Terraform's `statemgr.LockWithContext` (1 s doubling to 16 s). */
export const SCHEDULES: readonly { readonly label: string; readonly lockRetry?: LockRetryTiming }[] = [
  { label: 'client default (adaptive)' },
  { label: 'Terraform (1 s doubling to 16 s)', lockRetry: { initialDelayMs: 1000, maxDelayMs: 16_000, policy: 'terraform' } },
];

/**
 * `bucket` must be new and unversioned (RGW ignores If-None-Match on versioned buckets, see
 * test/setup/README.md). `seed` is a state with a numeric `counter` output.
 */
export async function contention(
  servers: LocalServers, bucket: string, seed: StateFile, schedule: (typeof SCHEDULES)[number], writers = 32,
): Promise<ContentionResult> {
  const make = () => newClient(servers, bucket, 'lockfile', undefined, schedule.lockRetry ? { lockRetry: schedule.lockRetry } : {});
  const first = make();
  await first.writeState(seed);
  const cycle = async (c: StateClient) => c.withLock(async () => {
    const s = (await c.readState())!;
    const n = Number(s.state.outputs.counter.value);
    await c.writeState({ ...s.state, serial: s.state.serial + 1, outputs: { ...s.state.outputs, counter: { value: n + 1, type: 'number' } } });
  // Terraform's schedule has no jitter: once the waits reach 16 s, every waiter wakes at the same
  // moment and one of them wins, so 32 writers take minutes; the timeout leaves room for that.
  }, { operation: 'OperationTypeApply', timeoutMs: 1_800_000 });
  // Ideal serial time: the same cycle uncontended, times the number of writers.
  const solo: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = process.hrtime.bigint();
    await cycle(first);
    solo.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const base = Number((await first.readState())!.state.outputs.counter.value);
  const clients = Array.from({ length: writers }, make);
  const t = process.hrtime.bigint();
  await Promise.all(clients.map(cycle));
  const totalMs = Number(process.hrtime.bigint() - t) / 1e6;
  const finalCounter = Number((await first.readState())!.state.outputs.counter.value) - base;
  // Every PutObject of a writer beyond its lock and its state write is a refused lock attempt.
  const lockAttempts = clients.reduce((sum, c) => sum + (c.requestCounts.s3.PutObject ?? 0) - 2, 0);
  for (const c of [first, ...clients]) c.destroy();
  return { label: schedule.label, writers, totalMs, serialMs: median(solo) * writers, lost: writers - finalCounter, finalCounter, lockAttempts };
}
