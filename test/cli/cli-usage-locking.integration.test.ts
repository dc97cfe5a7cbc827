import { spawn } from 'node:child_process';
import { backendArgs, CLI, cliBucket, cliTable, deleteCreated, requireCompiledCli, runCli, serverEnv } from './run-cli';

/**
 * Terraform's locking vocabulary against the local servers: the "Error acquiring the state lock"
 * diagnostic and `force-unlock`'s confirmation (command/unlock.go), on a pipe and on a terminal.
 */

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

const STATE = JSON.stringify({ version: 4, terraform_version: '1.10.0', serial: 1, lineage: 'l', outputs: {}, resources: [] }) + '\n';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function takeLock(args: string[]): Promise<string> {
  const r = await runCli(['lock', '-operation', 'OperationTypeApply', ...args]);
  expect(r.code).toBe(0);
  const id = r.stdout.trim();
  expect(id).toMatch(UUID);
  return id;
}

async function heldLockId(args: string[]): Promise<string | undefined> {
  const info = JSON.parse((await runCli(['lock-info', '-json', ...args])).stdout);
  return info.locked ? info.ID : undefined;
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`) and types `answer` once the prompt is on
 * screen. Resolves to the terminal's output and the CLI's exit code.
 */
function runOnTerminal(args: string[], answer: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, '\'\\\'\'')}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...process.env, ...serverEnv(), AWS_EC2_METADATA_DISABLED: 'true' } });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (chunk) => {
      screen += chunk.toString();
      if (!typed && screen.includes('Enter a value:')) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe.each([
  ['lock file', () => ({ use_lockfile: true })],
  ['DynamoDB table', async () => ({ dynamodb_table: await cliTable() })],
])('with a %s', (_name, locking) => {
  let args: string[];
  beforeAll(async () => {
    args = backendArgs({ bucket: await cliBucket(), key: 'app/terraform.tfstate', ...(await locking()) });
  });
  afterEach(async () => {
    // Each test starts unlocked, even after a failure.
    const held = await heldLockId(args);
    if (held) expect((await runCli(['unlock', held, ...args])).code).toBe(0);
  });

  test('a push while someone holds the lock prints Terraform\'s diagnostic with the holder\'s LockInfo, exit 3', async () => {
    const id = await takeLock(args);
    const r = await runCli(['push', '-', '-lock-timeout=0s', ...args], { input: STATE });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    // command/clistate/state.go: summary, LockErrorMessage; statemgr.LockError.Error(): cause, "\n",
    // LockInfo.String() (ending in "\n", hence two empty lines before "Terraform acquires").
    // (After the Deprecated Parameter warning Terraform also prints for dynamodb_table.)
    expect(r.stderr).toMatch(/(^|\n)╷\n│ Error: Error acquiring the state lock\n│\n│ Error message: /);
    expect(r.stderr).toContain(`\n│ Lock Info:\n│   ID:        ${id}\n│   Path:      `);
    expect(r.stderr).toMatch(/\n│   Operation: OperationTypeApply\n│   Who:       \S+\n│   Version:   \S+\n│   Created:   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\n│   Info:      \n│\n│\n/);
    expect(r.stderr).toContain('│ Terraform acquires a state lock to protect the state from being written\n'
      + '│ by multiple users at the same time. Please resolve the issue above and try\n'
      + '│ again. For most commands, you can disable locking with the "-lock=false"\n'
      + '│ flag, but this is not recommended.\n╵\n');
    expect(r.stderr.endsWith(`\nIf that lock is stale (its holder is gone), release it with: tfstate force-unlock ${id}\n`)).toBe(true);
    const box = r.stderr.slice(r.stderr.indexOf('╷\n│ Error: Error acquiring')).split('╵')[0];
    for (const line of box.split('\n')) expect([...line].length).toBeLessThanOrEqual(78);
  });

  test('force-unlock on a pipe: "no" keeps the lock, "yes" releases it with Terraform\'s text', async () => {
    const id = await takeLock(args);
    const no = await runCli(['force-unlock', id, ...args], { input: 'no\n' });
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/Do you really want to force-unlock\?\n[\s\S]*\n {2}Enter a value: \nforce-unlock cancelled\.\n$/);
    expect(await heldLockId(args)).toBe(id);

    const yes = await runCli(['force-unlock', id, ...args], { input: 'yes\n' });
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/Enter a value: \nTerraform state has been successfully unlocked!\n\nThe state has been unlocked, and Terraform commands should now be able to\nobtain a new lock on the remote state\.\n$/);
    expect(await heldLockId(args)).toBeUndefined();
  });

  test('force-unlock on a terminal asks, and the typed "yes" releases the lock', async () => {
    const id = await takeLock(args);
    const r = await runOnTerminal(['force-unlock', id, ...args], 'yes');
    expect(r.screen).toContain('Do you really want to force-unlock?');
    expect(r.screen).toContain('Only \'yes\' will be accepted to confirm.');
    expect(r.screen).toContain('successfully unlocked!');
    expect(r.code).toBe(0);
    expect(await heldLockId(args)).toBeUndefined();
  });

  test('force-unlock on a terminal: any other answer cancels', async () => {
    const id = await takeLock(args);
    const r = await runOnTerminal(['force-unlock', id, ...args], 'nope');
    expect(r.screen).toContain('force-unlock cancelled.');
    expect(r.code).toBe(1);
    expect(await heldLockId(args)).toBe(id);
  });
});
