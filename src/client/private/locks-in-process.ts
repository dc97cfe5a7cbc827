/**
 * The state locks of this process, for a program that must not die holding one: how many are held
 * inside an operation (between the acquire and the release of `withLock`, which every locked method
 * uses) and how many acquisition attempts are in flight (a conditional create that may still take
 * the lock when its response comes back). The `tfstate` CLI defers SIGINT, SIGTERM and SIGHUP until
 * both are 0, then dies by the signal.
 *
 * Process-wide on `globalThis` under a registered symbol, so that two copies of the package agree;
 * the module imports nothing, so the CLI's handler loads it at the signal alone (src/cli/interrupts.ts).
 */
export interface LocksInProcess {
  held: number;
  /** Acquisition attempts in flight (absent in a registry made by an older copy of the package). */
  acquiring?: number;
  /**
   * Set by a program that is stopping: no new acquisition attempt is made, and a lock that an attempt
   * in flight takes is released at once (the attempt then fails with {@link LOCK_INTERRUPTED}).
   */
  stopping?: boolean;
  /** Called once each time nothing is held or being acquired any more. */
  readonly onNoneHeld: Set<() => void>;
}

export const LOCKS_IN_PROCESS = Symbol.for('cdk-tfstate-backend.locks-in-process');

/** The message of the error an acquisition ends with when the program is stopping. */
export const LOCK_INTERRUPTED = 'Interrupted while acquiring the state lock: no lock is held (one taken by the request in flight was released).';

/** The process's registry (created on first use). */
export function locksInProcess(): LocksInProcess {
  const g = globalThis as { [LOCKS_IN_PROCESS]?: LocksInProcess };
  return (g[LOCKS_IN_PROCESS] ??= { held: 0, acquiring: 0, stopping: false, onNoneHeld: new Set() });
}

/** Locks held and acquisitions in flight. */
export function locksBusy(registry: LocksInProcess = locksInProcess()): number {
  return registry.held + (registry.acquiring ?? 0);
}

/** Counts a lock held for the time of `fn` (its release included). */
export async function countedWhileHeld<T>(fn: () => Promise<T>): Promise<T> {
  return counted('held', fn);
}

/** Counts an acquisition attempt for the time of `fn` (the release of a lock it took while stopping included). */
export async function countedWhileAcquiring<T>(fn: () => Promise<T>): Promise<T> {
  return counted('acquiring', fn);
}

async function counted<T>(what: 'held' | 'acquiring', fn: () => Promise<T>): Promise<T> {
  const registry = locksInProcess();
  registry[what] = (registry[what] ?? 0) + 1;
  try {
    return await fn();
  } finally {
    registry[what] = (registry[what] ?? 1) - 1;
    if (locksBusy(registry) === 0) {
      const callbacks = [...registry.onNoneHeld];
      registry.onNoneHeld.clear();
      for (const cb of callbacks) cb();
    }
  }
}
