import { relative } from 'node:path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

/** How long a test file's resources may take to close after its last hook, ms. */
export const GRACE_MS = 2_000;

/** What the environment sees of jest-circus's events and state (`@jest/types` Circus). */
interface CircusEvent {
  readonly name: string;
  readonly test?: { readonly errors: readonly unknown[] };
}
interface CircusState {
  readonly unhandledErrors: unknown[];
}

/**
 * Jest's node environment with one check more: a test file closes what it opened. When the file's
 * last hook has run, every resource that keeps the event loop alive (a listening server, a socket, a
 * child process, a timer that is not `unref`ed) and that was not there when the file started must
 * be gone within {@link GRACE_MS}; otherwise the file fails, naming what is left, beside its tests'
 * results (an error of the run, as jest reports an error thrown outside any test).
 *
 * Not checked when a test or hook of the file failed: its cleanup may not have run, and the failure
 * is what to read first (a leak error in its place would hide it; it did, when this check threw from
 * `teardown`, which makes jest drop the file's results and print only "Test suite failed to run").
 *
 * Without it, a file that leaves a server listening or a child running passes, and the only sign is
 * jest's anonymous "A worker process has failed to exit gracefully and has been force exited" at the
 * end of the run, when that file happened to be the last of its worker. Used by every jest project.
 */
export default class OpenHandlesEnvironment extends TestEnvironment {
  private readonly before: Map<string, number>;
  private readonly file: string;
  private failed = false;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.file = relative(config.globalConfig.rootDir, context.testPath);
    this.before = activeResources();
  }

  /** jest-circus calls this for each event and awaits it; `run_finish` comes after the file's last hook. */
  public async handleTestEvent(event: CircusEvent, state: CircusState): Promise<void> {
    if ((event.name === 'test_done' && event.test?.errors.length) || event.name === 'hook_failure') this.failed = true;
    if (event.name !== 'run_finish' || this.failed) return;
    const left = await this.leftOpen();
    if (left.length) {
      state.unhandledErrors.push(new Error(
        `${this.file} left ${left.join(', ')} open ${GRACE_MS} ms after its last hook: close what the file opens ` +
        '(await server.close(), end child processes and wait for their exit, destroy() SDK clients and agents) in afterEach/afterAll.',
      ));
    }
  }

  /** What the file opened and has not closed, waiting up to {@link GRACE_MS} for it to close. */
  private async leftOpen(): Promise<string[]> {
    const deadline = Date.now() + GRACE_MS;
    let left = opened(this.before);
    while (left.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      left = opened(this.before);
    }
    return left;
  }
}

/** Resources keeping the event loop alive, by type (`TCPServerWrap`, `ProcessWrap`, `Timeout`, …). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** What is alive now beyond `before`, as `Type ×n`. */
export function opened(before: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [type, n] of activeResources()) {
    const more = n - (before.get(type) ?? 0);
    if (more > 0) out.push(`${type} ×${more}`);
  }
  return out;
}
