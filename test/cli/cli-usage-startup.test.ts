import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, requireCompiledCli } from './run-cli';

/**
 * `tfstate --help`, `--version` and usage errors must start fast: they load commander and the command
 * tree only, never a command module, the client or the AWS SDK (the cold-start row of `npm run bench`
 * measures the time; this test checks what is loaded, which does not depend on the machine's load).
 */

let dir: string;
let preload: string;

beforeAll(() => {
  requireCompiledCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-startup-'));
  preload = path.join(dir, 'record-modules.js');
  // Loaded with `node -r`: at exit, writes every CommonJS module the process loaded to the file
  // named by RECORD_MODULES_TO.
  writeFileSync(preload, `process.on('exit', () => {
  require('fs').writeFileSync(process.env.RECORD_MODULES_TO, JSON.stringify(Object.keys(require.cache)));
});
`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadedModules(args: string[]): { code: number | null; modules: string[] } {
  const out = path.join(dir, `modules-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, ['-r', preload, CLI, ...args], {
    env: { ...process.env, RECORD_MODULES_TO: out },
    encoding: 'utf8',
    input: '',
  });
  return { code: r.status, modules: JSON.parse(readFileSync(out, 'utf8')) };
}

const sep = '[\\\\/]';
const SDK = new RegExp(`node_modules${sep}@(aws-sdk|smithy)${sep}`);
const CLIENT = new RegExp(`lib${sep}client${sep}`);
const COMMANDS = new RegExp(`lib${sep}cli${sep}(commands${sep}|session|config|report-error)`);

test.each([
  [['--help'], 0],
  [['--version'], 0],
  [['push', '--help'], 0],
  [['migrate-locking', '--help'], 0],
  [['pull', '--redact', '--help'], 0],
  [[], 2],
  [['bogus'], 2],
  [['pull', '--nope'], 2],
  [['push'], 2],
  [['push', '-lock=maybe', 'f.tfstate'], 2],
  [['restore', '-lock-timeout', 'soon', 'v1'], 2],
])('tfstate %j loads no AWS SDK, client or command module', (args, code) => {
  const r = loadedModules(args as string[]);
  expect(r.code).toBe(code);
  // The recorder works: it saw the CLI's own modules and commander.
  expect(r.modules).toEqual(expect.arrayContaining([CLI, expect.stringMatching(new RegExp(`lib${sep}cli${sep}program\\.js$`))]));
  expect(r.modules.some((m) => m.includes(`${path.sep}commander${path.sep}`))).toBe(true);
  expect(r.modules.filter((m) => SDK.test(m))).toEqual([]);
  expect(r.modules.filter((m) => CLIENT.test(m))).toEqual([]);
  expect(r.modules.filter((m) => COMMANDS.test(m))).toEqual([]);
});

test('a command that runs loads its module, the client and the SDK on use (the recorder can see them)', () => {
  // An invalid workspace name fails in the session, after the command module and the client loaded.
  const r = loadedModules(['pull', '-workspace', 'a/b', '-backend-config', 'bucket=b', '-backend-config', 'key=k']);
  expect(r.code).toBe(2);
  expect(r.modules.some((m) => COMMANDS.test(m))).toBe(true);
  expect(r.modules.some((m) => CLIENT.test(m))).toBe(true);
  expect(r.modules.some((m) => SDK.test(m))).toBe(true);
});
