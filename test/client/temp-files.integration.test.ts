import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TestBackend, newBackend } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { CLI, backendArgs, requireCompiledCli, serverEnv } from '../cli/run-cli';

/**
 * State never lands on disk readable by others: a pull that must verify the digest before writing a
 * byte spools the object to a temporary file (when the ETag is not a plain MD5: multipart, SSE-KMS).
 * That file is 0600 in a private 0700 directory and is gone afterwards, also when the process is
 * interrupted by SIGINT or SIGTERM.
 */
const SIZE = 9 * 1024 * 1024;

/** Permission bits of `path`, e.g. 0o600. */
function mode(path: string): number {
  return statSync(path).mode % 0o1000;
}

/** The private directories under `root` (`tfstate-<purpose>-XXXXXX`). */
function spoolDirs(root: string): string[] {
  return readdirSync(root).filter((n) => n.startsWith('tfstate-')).map((n) => join(root, n));
}

describe('temporary files holding state', () => {
  let be: TestBackend;
  let work: string;
  beforeAll(async () => {
    be = await newBackend('dynamodb');
    work = mkdtempSync(join(tmpdir(), 'temp-files-'));
    // Multipart (above 8 MiB): the ETag is not an MD5, so a pull must spool to check the digest.
    const file = join(work, 'big.tfstate');
    await writeSyntheticState(file, SIZE, { serial: 3 });
    await be.client().pushStateFromFile(file);
  }, 120_000);
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await be.destroy();
  });

  test('the pull spool is 0600 in a 0700 directory while it exists, and removed after the pull', async () => {
    // The client uses os.tmpdir() (jest's process.env is a copy, so TMPDIR cannot be redirected in-process).
    const root = tmpdir();
    const before = new Set(spoolDirs(root));
    const seen: { dir: number; file: number }[] = [];
    let ours: string[] = [];
    const sink = new Writable({
      write(_chunk, _enc, done) {
        if (seen.length === 0) {
          ours = spoolDirs(root).filter((d) => !before.has(d) && d.includes('tfstate-pull-'));
          for (const dir of ours) seen.push({ dir: mode(dir), file: mode(join(dir, 'state')) });
        }
        done();
      },
    });
    const pulled = await be.client().pullStateToStream(sink);
    expect(pulled?.bytes).toBeGreaterThan(SIZE - 1024);
    expect(pulled).not.toHaveProperty('encrypted');
    expect(seen).toEqual([{ dir: 0o700, file: 0o600 }]);
    expect(ours.filter((d) => spoolDirs(root).includes(d))).toEqual([]);
  });

  test.each(['SIGTERM', 'SIGINT'] as const)('a CLI pull interrupted by %s removes its spool', async (signal) => {
    requireCompiledCli();
    const root = mkdtempSync(join(work, 'tmp-'));
    const args = ['pull', ...backendArgs({ bucket: be.bucket, key: be.config.key, dynamodb_table: be.table! })];
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...serverEnv(), TMPDIR: root, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    try {
      // stdout is not read: once the spool is complete, copying it to stdout blocks, with the spool on disk.
      let file: string | undefined;
      for (let i = 0; i < 600 && !file; i++) {
        const [dir] = spoolDirs(root);
        const candidate = dir && join(dir, 'state');
        if (candidate && statSync(dir).isDirectory() && readdirSync(dir).includes('state') && statSync(candidate).size >= SIZE - 1024) file = candidate;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(file).toBeDefined();
      expect(mode(file!)).toBe(0o600);
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(spoolDirs(root)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
