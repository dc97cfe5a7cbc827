import { note } from './output';

// SIGHUP too: a terminal or SSH session that closes in the middle of a push.
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What the first interrupt during a locked operation prints (stderr). */
export const INTERRUPT_NOTE = 'Interrupt received: finishing the operation so that the state lock is released, then stopping. '
  + 'Interrupt again to stop at once (the lock then stays held; release it with tfstate force-unlock).';

/** What the first interrupt prints while a lock request is in flight and no lock is held (stderr). */
export const ACQUIRE_INTERRUPT_NOTE = 'Interrupt received: waiting for the answer to the lock request in flight '
  + '(a lock it takes is released at once), then stopping. Interrupt again to stop at once.';

/**
 * Ctrl-C (or SIGTERM, SIGHUP) while the command holds the state lock: dying there would leave the lock held,
 * so the first signal lets the operation finish and release it (a state write is one atomic PUT or a
 * multipart upload completed or aborted), then the process dies by the signal (status 128 + n). A
 * second signal stops at once, as Terraform's second interrupt. While a lock request is in flight
 * (a conditional create whose answer has not come: it may have taken the lock), the first signal
 * waits for the answer; a lock taken is released at once and the operation does not start. Without
 * a lock held or requested, the signal acts at once (temporary files are removed:
 * client/private/temp-files.ts).
 */
export function deferInterruptsWhileLocked(): void {
  let interrupted = false;
  const die = (signal: NodeJS.Signals) => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    // Loaded at the signal, not at start (tfstate --help loads no client module): the registry alone, no imports of its own.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { locksBusy, locksInProcess } = require('../client/private/locks-in-process') as typeof import('../client/private/locks-in-process');
    const locks = locksInProcess();
    if (interrupted || locksBusy(locks) === 0) return die(signal);
    interrupted = true;
    if (locks.held === 0) {
      // Only a conditional create in flight: it may still take the lock, so wait for its answer; a
      // lock it took is released at once, and no operation starts (nor another attempt).
      locks.stopping = true;
      note(ACQUIRE_INTERRUPT_NOTE);
    } else {
      note(INTERRUPT_NOTE);
    }
    locks.onNoneHeld.add(() => die(signal));
  }
  for (const s of SIGNALS) process.on(s, onSignal);
}
