/**
 * How many state locks this process holds inside an operation (between the acquire and the release
 * of `withLock`, which every locked method uses), for a program that must not die holding one: the
 * `tfstate` CLI defers SIGINT and SIGTERM until the count is 0, then dies by the signal.
 *
 * Process-wide on `globalThis` under a registered symbol, so that two copies of the package agree;
 * the module imports nothing, so the CLI's handler loads it at the signal alone (src/cli/interrupts.ts).
 */
export interface LocksInProcess {
  held: number;
  /** Called once each time the count comes back to 0. */
  readonly onNoneHeld: Set<() => void>;
}

export const LOCKS_IN_PROCESS = Symbol.for('cdk-tfstate-backend.locks-in-process');

/** The process's registry (created on first use). */
export function locksInProcess(): LocksInProcess {
  const g = globalThis as { [LOCKS_IN_PROCESS]?: LocksInProcess };
  return (g[LOCKS_IN_PROCESS] ??= { held: 0, onNoneHeld: new Set() });
}

/** Counts a lock held for the time of `fn` (its release included). */
export async function countedWhileHeld<T>(fn: () => Promise<T>): Promise<T> {
  const registry = locksInProcess();
  registry.held++;
  try {
    return await fn();
  } finally {
    registry.held--;
    if (registry.held === 0) {
      const callbacks = [...registry.onNoneHeld];
      registry.onNoneHeld.clear();
      for (const cb of callbacks) cb();
    }
  }
}
