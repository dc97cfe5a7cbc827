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

function closed(server: ReturnType<typeof createServer>) {
  return new Promise<void>((resolve) => server.close(() => resolve()));
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

  test('teardown fails a file that leaves a server listening, naming the file and the resource', async () => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    try {
      await expect(env.teardown()).rejects.toThrow(`test/some/file.test.ts left TCPServerWrap ×1 open ${GRACE_MS} ms after its last hook`);
    } finally {
      await closed(server);
    }
  });

  test('teardown passes when what the file opened closes within the grace period', async () => {
    const env = environment('test/some/file.test.ts');
    await env.setup();
    const server = await listening();
    setTimeout(() => server.close(), 50);
    await expect(env.teardown()).resolves.toBeUndefined();
  });
});
