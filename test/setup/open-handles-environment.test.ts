import { createServer } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import OpenHandlesEnvironment, { GRACE_MS, activeResources, opened } from './open-handles-environment';

/** The smallest configuration jest's node environment reads. */
const ROOT = resolvePath(__dirname, '../..');

/** The smallest configuration jest's node environment reads, for a test file `file` of the repository. */
function environment(file: string): OpenHandlesEnvironment {
  const config = { projectConfig: { testEnvironmentOptions: {}, globals: {} }, globalConfig: { rootDir: ROOT } };
  return new OpenHandlesEnvironment(config as any, { testPath: join(ROOT, file), console, docblockPragmas: {} } as any);
}

function listening() {
  const server = createServer();
  return new Promise<typeof server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/**
 * Closes `server` and waits (bounded) until its handle has left the active list, which happens on a
 * later turn of the loop: else the next test's environment counts it in its baseline, and when it
 * goes, a server that test leaves open is not seen (the tests passed only in file order).
 */
async function closed(server: ReturnType<typeof createServer>): Promise<void> {
  const before = servers();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (let i = 0; i < 200 && servers() >= before; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('open-handles environment', () => {
  test('opened() names what keeps the loop alive beyond a baseline, and nothing once it is closed', async () => {
    const before = activeResources();
    const server = await listening();
    expect(opened(before)).toEqual(['TCPServerWrap ×1']);
    await closed(server);
    // The handle's close completes on a later turn of the loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(opened(before)).toEqual([]);
  });

  /** Runs the file's end as jest-circus does: the events of `before`, then `run_finish`; returns the errors added to the run. */
  async function finish(env: OpenHandlesEnvironment, before: { name: string; test?: { errors: unknown[] } }[] = []): Promise<string[]> {
    const state = { unhandledErrors: [] as unknown[] };
    for (const event of before) await env.handleTestEvent(event, state);
    await env.handleTestEvent({ name: 'run_finish' }, state);
    return state.unhandledErrors.map((e) => (e as Error).message);
  }

  test('a file that leaves a server listening fails at the end of its run, naming the file and the resource', async () => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    try {
      const errors = await finish(env, [{ name: 'test_done', test: { errors: [] } }]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`test/some/file.test.ts left TCPServerWrap ×1 open ${GRACE_MS} ms after its last hook`);
    } finally {
      await closed(server);
      await env.teardown();
    }
  });

  test('what the file opened may close within the grace period', async () => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    setTimeout(() => server.close(), 50);
    expect(await finish(env)).toEqual([]);
    await env.teardown();
  });

  test.each([
    ['a test failed', { name: 'test_done', test: { errors: [new Error('expect(1).toBe(2)')] } }],
    ['a hook failed', { name: 'hook_failure' }],
  ])('not checked when %s: the failure is what jest reports, with the file\'s results', async (_what, event) => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    try {
      expect(await finish(env, [event])).toEqual([]);
    } finally {
      await closed(server);
      await env.teardown();
    }
  });

  test('teardown itself never throws (an error there would replace the file\'s results with "Test suite failed to run")', async () => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    try {
      await expect(env.teardown()).resolves.toBeUndefined();
    } finally {
      await closed(server);
    }
  });
});
