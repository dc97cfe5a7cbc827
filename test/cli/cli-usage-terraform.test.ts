import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, requireCompiledCli } from './run-cli';
import { normaliseArgs, parseDuration, parseGoBool, unmarkPositional } from '../../src/cli/argv';
import { FORCE_UNLOCK_DESCRIPTION, FORCE_UNLOCK_QUERY, lockCommand } from '../../src/cli/commands/lock';
import { diffCommand, digestRepairCommand, outputsCommand, pushCommand, restoreCommand } from '../../src/cli/commands/state';
import { workspaceDelete, workspaceNew } from '../../src/cli/commands/workspace';
import { formatDiagnostic, wrapLine } from '../../src/cli/output';
import { buildProgram } from '../../src/cli/program';
import { formatLockAcquireError } from '../../src/cli/report-error';

// The wiring tests replace the command modules (ours, not the SDK) to see what the parsed command line
// hands them; the subprocess tests below run the real compiled CLI.
jest.mock('../../src/cli/commands/state', () => ({
  ...jest.requireActual('../../src/cli/commands/state'),
  pushCommand: jest.fn(),
  restoreCommand: jest.fn(),
  digestRepairCommand: jest.fn(),
  outputsCommand: jest.fn(),
  diffCommand: jest.fn(),
}));
jest.mock('../../src/cli/commands/workspace', () => ({ workspaceNew: jest.fn(), workspaceDelete: jest.fn(), workspaceList: jest.fn() }));
jest.mock('../../src/cli/commands/lock', () => ({ ...jest.requireActual('../../src/cli/commands/lock'), lockCommand: jest.fn() }));

/** Parses `args` as the CLI does and resolves to the exit code the actions set. */
async function parse(args: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => { code = c; });
  await program.parseAsync(normaliseArgs(args), { from: 'user' });
  return code;
}

describe('-lock and -lock-timeout (Terraform\'s meta-options on every command that locks)', () => {
  test.each([
    ['push', ['push', 'f.tfstate'], () => pushCommand, ['f.tfstate']],
    ['restore', ['restore', 'v1'], () => restoreCommand, ['v1']],
    ['workspace new', ['workspace', 'new', 'ws'], () => workspaceNew, ['ws']],
    ['workspace delete', ['workspace', 'delete', 'ws'], () => workspaceDelete, ['ws']],
    ['digest repair', ['digest', 'repair'], () => digestRepairCommand, []],
  ] as const)('%s passes { lock: false, lockTimeout } to its command', async (_name, args, fn, positional) => {
    expect(await parse([...args, '-lock=false', '-lock-timeout=1m30s'])).toBe(0);
    const mock = fn() as jest.Mock;
    expect(mock).toHaveBeenCalledTimes(1);
    expect(mock.mock.calls[0]).toEqual([...positional, expect.objectContaining({ lock: false, lockTimeout: '1m30s' })]);
  });

  test('without them the command gets neither (the command\'s defaults apply: lock, 0s)', async () => {
    await parse(['push', 'f.tfstate']);
    const opts = (pushCommand as jest.Mock).mock.calls[0][1];
    expect(opts.lock).toBeUndefined();
    expect(opts.lockTimeout).toBeUndefined();
  });

  test.each([
    [['-lock'], true],
    [['-lock=true'], true],
    [['--lock=1'], true],
    [['-lock=F'], false],
    [['-lock=0'], false],
  ])('%j gives lock %s (Go flag syntax: a bool takes its value after =)', async (flag, expected) => {
    await parse(['push', ...flag, 'f.tfstate']);
    expect((pushCommand as jest.Mock).mock.calls[0]).toEqual(['f.tfstate', expect.objectContaining({ lock: expected })]);
  });

  test('-lock-timeout takes its value as the next word too; lock takes -lock-timeout or its older -timeout', async () => {
    await parse(['restore', '-lock-timeout', '10s', 'v1']);
    expect((restoreCommand as jest.Mock).mock.calls[0]).toEqual(['v1', expect.objectContaining({ lockTimeout: '10s' })]);
    await parse(['lock', '-lock-timeout', '2m']);
    await parse(['lock', '-timeout=3s']);
    expect((lockCommand as jest.Mock).mock.calls.map((c) => [c[0].lockTimeout, c[0].timeout])).toEqual([['2m', undefined], [undefined, '3s']]);
  });

  test('output is an alias of outputs, with -json and -raw', async () => {
    await parse(['output', '-json']);
    await parse(['output', '-raw', 'url']);
    expect((outputsCommand as jest.Mock).mock.calls).toEqual([
      [undefined, expect.objectContaining({ json: true })],
      ['url', expect.objectContaining({ raw: true })],
    ]);
  });

  test('Go\'s strconv.ParseBool values, nothing else', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false);
    for (const bad of ['', 'yes', 'no', 'tRUE', ' true']) expect(parseGoBool(bad)).toBeUndefined();
  });

  test('durations go through the one Go duration parser (protocol/go-time.ts); a negative one is one attempt', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('250us')).toBe(0);
    expect(parseDuration('-5s')).toBe(0);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '5', 's', '1d', '1m 30s']) expect(parseDuration(bad)).toBeUndefined();
  });

  test('a bare -lock never takes the next word as its value', () => {
    expect(normaliseArgs(['push', '-lock', 'false'])).toEqual(['push', '--lock=true', 'false']);
    expect(normaliseArgs(['push', '-lock-timeout', '-lock', '-'])).toEqual(['push', '--lock-timeout', '-lock', '-']);
  });
});

describe('version IDs that start with a dash', () => {
  // Ceph RGW's version IDs are 32 alphanumerics and dashes (rgw_rados.cc, gen_rand_obj_instance_name:
  // gen_rand_alphanumeric_no_underscore), so one in 63 starts with '-'; commander read it as an option.
  const ID = '-xiFyYT9bf0YU1N5z5qVdD8I-L9J9hB';

  test('restore and diff get the ID as their argument, options around it still parsed', async () => {
    expect(await parse(['restore', ID, '-lock=false'])).toBe(0);
    expect((restoreCommand as jest.Mock).mock.calls[0]).toEqual([ID, expect.objectContaining({ lock: false })]);
    expect(await parse(['diff', '-json', ID, 'current'])).toBe(0);
    expect((diffCommand as jest.Mock).mock.calls[0]).toEqual([ID, 'current', expect.objectContaining({ json: true })]);
  });

  test('-- before the arguments works too (README, diff)', async () => {
    expect(await parse(['diff', '-json', '--', ID, 'current'])).toBe(0);
    expect((diffCommand as jest.Mock).mock.calls[0]).toEqual([ID, 'current', expect.objectContaining({ json: true })]);
  });

  test('only long words that cannot be options are taken as arguments', () => {
    const marked = normaliseArgs(['restore', ID]);
    expect(marked[1]).not.toBe(ID); // marked for commander, unmarked for the action
    expect(unmarkPositional(marked)).toEqual(['restore', ID]);
    // Options (also unknown ones, for commander's error), option values and words after -- are left alone.
    expect(normaliseArgs(['restore', '--all-workspaces-and-more', '-JSON', '-1'])).toEqual(['restore', '--all-workspaces-and-more', '-JSON', '-1']);
    expect(normaliseArgs(['pull', '-version-id', ID])).toEqual(['pull', '--version-id', ID]);
    expect(normaliseArgs(['restore', '--', ID])).toEqual(['restore', '--', ID]);
    expect(unmarkPositional('plain')).toBe('plain');
  });
});

describe('usage errors of the Terraform options (compiled CLI)', () => {
  beforeAll(requireCompiledCli);

  test.each([
    [['push', '-lock=maybe', 'f.tfstate'], /-lock takes true or false \(e\.g\. -lock=false\), got "maybe"/],
    [['push', '-lock=', 'f.tfstate'], /-lock takes true or false/],
    [['push', '-lock', 'false', 'f.tfstate'], /too many arguments/],
    [['workspace', 'new', '-lock-timeout=soon', 'ws'], /invalid value "soon" for flag -lock-timeout: parse error\. Use Go duration syntax such as 30s/],
    [['digest', 'repair', '-lock-timeout', '5'], /invalid value "5" for flag -lock-timeout/],
    [['lock', '-timeout', '1s', '-lock-timeout', '2s'], /option '--timeout <DURATION>' cannot be used with option '--lock-timeout <DURATION>'/],
    [['lock', '-lock=false'], /unknown option '--lock=false'/],
    [['pull', '-lock=false'], /unknown option '--lock=false'/],
    [['force-unlock'], /missing required argument 'LOCK_ID'/],
    [['output', '-raw', '-json', 'x'], /cannot be used with option '--json'/],
  ])('%j exits 2 before any work', async (args, message) => {
    const r = await runCli(args, { noServers: true });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  test('output --help is the outputs command', async () => {
    const r = await runCli(['output', '--help'], { noServers: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: tfstate outputs\|output \[options\] \[NAME\]/);
  });
});

describe('force-unlock without a terminal (Terraform reads the answer from stdin all the same)', () => {
  beforeAll(requireCompiledCli);
  // A valid configuration whose endpoint refuses connections: the prompt comes before any request.
  const args = ['force-unlock', 'abc-123', '-backend-config', 'bucket=b', '-backend-config', 'key=k', '-backend-config', 'use_lockfile=true',
    '-backend-config', 'skip_credentials_validation=true', '-backend-config', 'max_retries=0'];
  const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' };
  // command/unlock.go (UnlockCommand.Run) asks through command/ui_input.go (UIInput.Input).
  const PROMPT = 'Do you really want to force-unlock?\n'
    + '  Terraform will remove the lock on the remote state.\n'
    + '  This will allow local Terraform commands to modify this state, even though it\n'
    + '  may still be in use. Only \'yes\' will be accepted to confirm.\n'
    + '\n'
    + '  Enter a value: ';

  test('the prompt is Terraform\'s', () => {
    expect(FORCE_UNLOCK_QUERY).toBe('Do you really want to force-unlock?');
    expect(FORCE_UNLOCK_DESCRIPTION.split('\n')).toHaveLength(3);
  });

  test('stdin that ends before a line: "Error asking for confirmation: EOF", exit 1, no request', async () => {
    const r = await runCli(args, { noServers: true, env, input: '' });
    expect(r.stdout).toBe(PROMPT);
    expect(r.stderr).toMatch(/^Error asking for confirmation: EOF\n/);
    expect(r.stderr).toMatch(/Pass -force/);
    expect(r.stderr).not.toMatch(/ECONNREFUSED/);
    expect(r.code).toBe(1);
  });

  test('"yes" without a newline is EOF too (Go\'s ReadString)', async () => {
    const r = await runCli(args, { noServers: true, env, input: 'yes' });
    expect(r.stderr).toMatch(/^Error asking for confirmation: EOF\n/);
    expect(r.code).toBe(1);
  });

  test.each(['no\n', 'y\n', 'YES\n', '\n', ' yes\n'])('answer %j: "force-unlock cancelled.", exit 1, no request', async (answer) => {
    const r = await runCli(args, { noServers: true, env, input: answer });
    expect(r.stdout).toBe(`${PROMPT}\nforce-unlock cancelled.\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  test('answer "yes" (trailing white space trimmed) goes on to the unlock request', async () => {
    const r = await runCli(args, { noServers: true, env, input: 'yes \t\r\n' });
    expect(r.stdout).toBe(`${PROMPT}\n`);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.code).toBe(1);
  });

  test('-force asks nothing and goes straight to the request', async () => {
    const r = await runCli([...args, '-force'], { noServers: true, env, input: '' });
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.code).toBe(1);
  });

  test('-json keeps stdout for data: the prompt goes to stderr', async () => {
    const r = await runCli([...args, '-json'], { noServers: true, env, input: 'no\n' });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${PROMPT}\nforce-unlock cancelled.\n`);
    expect(r.code).toBe(1);
  });
});

describe('Terraform\'s diagnostic layout', () => {
  // Vectors of mitchellh/go-wordwrap v1.0.1 (wordwrap_test.go), which Terraform wraps diagnostics with.
  test.each([
    ['foo', 4, 'foo'],
    ['foobarbaz', 4, 'foobarbaz'],
    ['foo bar baz', 4, 'foo\nbar\nbaz'],
    ['foo bars bazzes', 4, 'foo\nbars\nbazzes'],
    ['fo sop', 4, 'fo\nsop'],
    ['foo bar\u00a0baz', 10, 'foo\nbar\u00a0baz'],
    ['foo\nb\t r\n baz', 4, 'foo\nb\t r\n baz'],
    ['foo    \nb   ar   ', 4, 'foo\nb\nar'],
    ['\nfoo bar\n\n\nbaz\n', 4, '\nfoo\nbar\n\n\nbaz\n'],
    [' This is a list: \n\n\t* foo\n\t* bar\n\n\n\t* baz  \nBAM    ', 6, ' This\nis a\nlist: \n\n\t* foo\n\t* bar\n\n\n\t* baz\nBAM'],
    ['\u2584 '.repeat(4), 4, '\u2584 \u2584\n\u2584 \u2584 '],
  ])('wrapLine(%j, %d)', (input, limit, expected) => {
    expect(wrapLine(input, limit)).toBe(expected);
  });

  test('a box without colour off a terminal, wrapped at 78 columns less the rule; empty detail lines get a bare rule', () => {
    const long = 'word '.repeat(20).trim();
    expect(formatDiagnostic({ severity: 'warning', summary: 'S', detail: `${long}\n\n  indented ${long}` }, { isTTY: false })).toBe(
      '╷\n│ Warning: S\n│\n'
      + `│ ${'word '.repeat(14).trim()} word\n│ ${'word '.repeat(5).trim()}\n│\n│   indented ${long}\n╵\n`,
    );
    expect(formatDiagnostic({ severity: 'error', summary: 'Only a summary', detail: '' }, { isTTY: false })).toBe('╷\n│ Error: Only a summary\n│\n╵\n');
  });

  test('the state lock error is Terraform\'s: clistate.LockErrorMessage around statemgr.LockError.Error(), whose LockInfo.String() ends in a newline', () => {
    // What the S3 backend returns for a held DynamoDB lock (remote-state/s3/client.go lockWithDynamoDB):
    // the PutItem error, then the holder's LockInfo.
    const lockError = 'operation error DynamoDB: PutItem, ConditionalCheckFailedException: The conditional request failed\n'
      + 'Lock Info:\n'
      + '  ID:        5b2a6b1e-0f6c-4d7e-9a51-2f0c3b8d9e71\n'
      + '  Path:      tf-state/envs/app.tfstate\n'
      + '  Operation: OperationTypeApply\n'
      + '  Who:       alice@build-1\n'
      + '  Version:   1.10.5\n'
      + '  Created:   2026-12-02 06:00:00.123456789 +0000 UTC\n'
      + '  Info:      \n';
    const box = formatLockAcquireError(lockError, { isTTY: false });
    // The README shows this very box (a documented example is a tested example).
    expect(readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8')).toContain(`\`\`\`\n${box}\nIf that lock is stale`);
    expect(box).toBe([
      '╷',
      '│ Error: Error acquiring the state lock',
      '│',
      '│ Error message: operation error DynamoDB: PutItem,',
      '│ ConditionalCheckFailedException: The conditional request failed',
      '│ Lock Info:',
      '│   ID:        5b2a6b1e-0f6c-4d7e-9a51-2f0c3b8d9e71',
      '│   Path:      tf-state/envs/app.tfstate',
      '│   Operation: OperationTypeApply',
      '│   Who:       alice@build-1',
      '│   Version:   1.10.5',
      '│   Created:   2026-12-02 06:00:00.123456789 +0000 UTC',
      '│   Info:      ',
      '│',
      '│',
      '│ Terraform acquires a state lock to protect the state from being written',
      '│ by multiple users at the same time. Please resolve the issue above and try',
      '│ again. For most commands, you can disable locking with the "-lock=false"',
      '│ flag, but this is not recommended.',
      '╵',
      '',
    ].join('\n'));
  });
});
