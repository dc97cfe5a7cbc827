import { EMULATED_TERRAFORM_VERSION, defaultLockWho } from '../../protocol/lock-info';
import type { StateFile } from '../../protocol/state';
import type {
  LockingOptions, LockOptions, OperationOptions, PushStateOptions, ReadStateOptions, ReadStateResult, WriteStateResult,
} from '../types';
import { acquireLock } from './locking';
import type { Runtime } from './runtime';
import type { ClientParts } from './wiring';
import type { WorkspaceTarget } from './workspaces';
import type { HeldLocks } from './writer-lock';

/**
 * One `StateClient` as the functions behind its methods see it: its runtime, parts and held locks,
 * and the public methods they call back (through the client, so that each call takes the same path
 * as a caller's).
 */
export interface FacadeClient {
  readonly runtime: Runtime;
  readonly parts: ClientParts;
  /** Locks this client holds now: every state write records its writer from here. */
  readonly held: HeldLocks;
  readonly workspace: string;
  readState(options: ReadStateOptions): Promise<ReadStateResult | undefined>;
  writeState(state: StateFile, options: OperationOptions): Promise<WriteStateResult>;
  pushState(state: Uint8Array, options: PushStateOptions): Promise<WriteStateResult>;
  withLock<T>(fn: (lockId: string) => Promise<T>, options: LockOptions): Promise<T>;
}

/** The options of an operation that takes the lock itself, or runs under one the caller holds (`lockId`). */
export type LockedOptions = LockingOptions & OperationOptions & { lockId?: string };

/** The Terraform version this client writes into states and LockInfo. */
export function terraformVersionOf(runtime: Runtime): string {
  return runtime.options.terraformVersion ?? EMULATED_TERRAFORM_VERSION;
}

/** The writer metadata of a state write made now (the lock held, or none). */
export function writerMetadata(c: FacadeClient): Record<string, string> {
  return c.held.writerMetadata(c.runtime.options.who ?? defaultLockWho());
}

/** `StateClient.lock`: takes the lock of this client's state, recorded in its held locks. */
export async function takeLock(c: FacadeClient, options: LockOptions): Promise<string> {
  await c.runtime.ready(options.signal);
  const o = c.runtime.options;
  const target = {
    locker: c.parts.locker,
    lockPath: c.parts.paths.lockId,
    who: o.who,
    terraformVersion: terraformVersionOf(c.runtime),
    retry: o.lockRetry,
    held: c.held,
  };
  return acquireLock(target, options);
}

/** `fn` under the lock for `operation`, honouring `lock: false`, `lockTimeoutMs` and a held `lockId`. */
export function locked<T>(c: FacadeClient, operation: string, options: LockedOptions, fn: () => Promise<T>): Promise<T> {
  if (options.lock === false && options.lockId === undefined) return fn();
  if (options.lockId !== undefined) return c.held.claimed(options.lockId, c.runtime.options.who ?? defaultLockWho(), operation, fn);
  return c.withLock(fn, { operation, timeoutMs: options.lockTimeoutMs, signal: options.signal });
}

/** What workspace creation and deletion need of `c`, the client for workspace `name`. */
export function workspaceTargetOf(name: string, c: FacadeClient): WorkspaceTarget {
  return {
    name,
    ...c.parts.target,
    read: (signal) => c.readState({ signal }),
    write: (state, signal) => c.writeState(state, { signal }),
    locked: (operation, options, fn) => locked(c, operation, options, fn),
  };
}
