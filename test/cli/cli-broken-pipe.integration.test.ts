import { spawn } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CLI, backendArgs, cliBucket, cliEnv, deleteCreated, requireCompiledCli } from './run-cli';
import { s3Client, testServers } from '../support/servers';

/**
 * A reader that goes away (`tfstate pull | head -c 100`): the next write to stdout fails with EPIPE.
 * Terraform (Go) dies of SIGPIPE there, silently, and shells report 141; tfstate printed a stack
 * trace ("Unhandled 'error' event") or, for a streamed pull, "reading state object ... was
 * interrupted". Now: exit 141, nothing on stderr but the command's own notes.
 */
beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const KEY = 'pipe/terraform.tfstate';
// Larger than a pipe's buffer, so that the writes cannot all land before the reader is gone.
const STATE = JSON.stringify({
  version: 4,
  terraform_version: '1.10.0',
  serial: 1,
  lineage: 'broken-pipe',
  outputs: { big: { value: 'x'.repeat(300_000), type: 'string' } },
  resources: [],
  check_results: null,
}, undefined, 2) + '\n';

/** Runs the CLI with stdout's reader closed before the CLI starts. */
function runWithClosedStdout(args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    const err: Buffer[] = [];
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('stdout whose reader went away', () => {
  let args: string[];
  beforeAll(async () => {
    const bucket = await cliBucket();
    const s3 = s3Client();
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: STATE }));
    } finally {
      s3.destroy();
    }
    args = backendArgs({ bucket, key: KEY, region: testServers().region, use_lockfile: true });
  });

  test.each([
    ['pull (streamed)', ['pull'], ''],
    ['pull -redact', ['pull', '-redact'], 'Redacted 0 sensitive values'],
    ['outputs -json', ['outputs', '-json'], ''],
    ['outputs NAME -raw', ['outputs', 'big', '-raw'], ''],
  ])('%s: exit 141, no error, no stack trace', async (_name, cmd, note) => {
    const r = await runWithClosedStdout([...cmd, ...args]);
    expect([r.code, r.signal]).toEqual([141, null]);
    expect(r.stderr).not.toMatch(/Error|EPIPE|at /);
    if (note) expect(r.stderr).toContain(note);
    else expect(r.stderr).toBe('');
  });

  test('stderr into the same pipe (2>&1 | head -c 5): 141 too, not a crash on the note written to stderr', async () => {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', ['-c', '"$0" "$@" 2>&1 | head -c 5 > /dev/null; exit "${PIPESTATUS[0]}"', process.execPath, CLI, 'pull', '-redact', ...args],
        { env: cliEnv(), stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(141);
  });
});
