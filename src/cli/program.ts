import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  isBucketNotFoundError,
  isConfigValidationError,
  isLockIdMismatchError,
  isStateBackendError,
  isStateConflictError,
  isStateLockedError,
} from '../client';
import { backendConfigCommand } from './commands/backend-config';
import { doctorCommand } from './commands/doctor';
import { lockCommand, lockInfoCommand, unlockCommand } from './commands/lock';
import {
  diffCommand,
  digestRepairCommand,
  historyCommand,
  outputsCommand,
  pullCommand,
  pushCommand,
  restoreCommand,
} from './commands/state';
import { workspaceDelete, workspaceList, workspaceNew } from './commands/workspace';
import { CliError, EXIT, formatDiagnostic, io, note, paint } from './output';

function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return JSON.parse(readFileSync(path.join(__dirname, rel), 'utf8')).version;
    } catch {
      // Try the next layout (lib/cli vs src/cli).
    }
  }
  return '0.0.0';
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const CONFIG_HELP = `
Configuration (like terraform init), later sources win:
  --stack NAME            outputs of a deployed StateBackend stack (CloudFormation)
  *.tf in -chdir DIR      the backend "s3" block
  -backend-config K=V     one attribute, or -backend-config FILE (HCL attributes); repeatable
plus the AWS environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, ...
Workspace: -workspace NAME, else TF_WORKSPACE, else "default".
Terraform's single-dash long options (-backend-config, -chdir, -force, ...) are accepted.

Exit codes: 0 success, 1 error, 2 usage error, 3 state locked by someone else.`;

/** Maps any error to its message on stderr and an exit code. */
export function reportError(e: unknown): number {
  if (e instanceof CliError) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}`);
    return e.exitCode;
  }
  if (isConfigValidationError(e)) {
    for (const d of e.diagnostics) io.stderr.write(formatDiagnostic(d));
    note('Fix the backend configuration (*.tf backend block or -backend-config) and try again.');
    return EXIT.ERROR;
  }
  if (isStateLockedError(e)) {
    const id = e.lockInfo?.ID;
    note(`${paint('red', 'Error:', io.stderr)} Error acquiring the state lock\n\n${e.message}\n\n` +
      (id
        ? `The state is locked by ${e.lockInfo?.Who} (${e.lockInfo?.Operation}). Wait for it to finish, or if the lock is stale release it with:\n  tfstate force-unlock ${id}`
        : 'Wait and retry, or pass -timeout to wait for the lock.'));
    return EXIT.LOCKED;
  }
  if (isLockIdMismatchError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}\nThe lock is held by ID ${e.existingLockId}; check "tfstate lock-info" and pass that ID if you really mean to release it.`);
    return EXIT.ERROR;
  }
  if (isStateConflictError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} Failed to write state: ${e.message}\nNothing was written. Pull the current state and reconcile, or pass -force to overwrite it.`);
    return EXIT.ERROR;
  }
  if (isBucketNotFoundError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}\nCheck "bucket" and "region", or deploy the StateBackend stack.`);
    return EXIT.ERROR;
  }
  if (isStateBackendError(e)) {
    note(`${paint('red', 'Error:', io.stderr)} ${e.message}`);
    return EXIT.ERROR;
  }
  const err = e as Error & { $metadata?: { httpStatusCode?: number } };
  const hint = err?.name === 'CredentialsProviderError'
    ? '\nNo AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.'
    : err?.$metadata?.httpStatusCode === 403 ? '\nAccess denied: check the credentials and the IAM permissions for the bucket and table.' : '';
  note(`${paint('red', 'Error:', io.stderr)} ${err?.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err?.message ?? String(e)}${hint}`);
  return EXIT.ERROR;
}

/** Builds the `tfstate` program. `setExit` receives each action's exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('tfstate');
  program
    .description('Inspect and operate a Terraform/OpenTofu S3 state backend, byte-compatible with Terraform.')
    .version(packageVersion(), '--version', 'print the version')
    .option('--backend-config <KEY=VALUE|FILE>', 'backend attribute or HCL file of attributes (repeatable, later wins)', collect)
    .option('--chdir <DIR>', 'directory holding the *.tf files with the backend "s3" block', undefined)
    .option('--workspace <NAME>', 'workspace (default: TF_WORKSPACE, else "default")')
    .option('--stack <NAME>', 'read the configuration from a deployed StateBackend stack\'s outputs')
    .addHelpText('after', CONFIG_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });

  const run = <A extends unknown[]>(fn: (...args: A) => Promise<number | void>) =>
    async (...args: A) => {
      try {
        setExit((await fn(...args)) ?? EXIT.OK);
      } catch (e) {
        setExit(reportError(e));
      }
    };
  const g = (cmd: Command): any => cmd.optsWithGlobals();
  // Terraform's -lock and -lock-timeout, on every command that locks.
  const lockFlags = (cmd: Command): Command => cmd
    .option('--lock <BOOL>', 'hold the state lock during the operation (-lock=false is dangerous)')
    .option('--lock-timeout <DURATION>', 'retry a held lock for this long, e.g. 30s (default 0s: one attempt)');

  const workspace = program.command('workspace').description('list, create and delete workspaces');
  workspace.command('list').description('list workspaces; the selected one is marked with *')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => workspaceList(g(cmd))));
  lockFlags(workspace.command('new')).description('create a workspace with an empty state (under the lock)')
    .argument('<NAME>', 'workspace name')
    .option('--json', 'print JSON')
    .action(run(async (name: string, _o, cmd: Command) => workspaceNew(name, g(cmd))));
  lockFlags(workspace.command('delete')).description('delete a workspace\'s state object')
    .argument('<NAME>', 'workspace name')
    .option('--force', 'delete even if the state has resources or outputs')
    .option('--json', 'print JSON')
    .action(run(async (name: string, _o, cmd: Command) => workspaceDelete(name, g(cmd))));

  program.command('pull').description('write the state to stdout, byte for byte')
    .option('--version-id <ID>', 'an older version of the state object (see history)')
    .action(run(async (_o, cmd: Command) => pullCommand(g(cmd))));

  lockFlags(program.command('push')).description('write a state under the lock, with Terraform\'s push rules (lineage, serial)')
    .argument('<FILE>', 'state file, or - for stdin')
    .option('--force', 'skip the lineage and serial checks')
    .option('--json', 'print JSON')
    .action(run(async (file: string, _o, cmd: Command) => pushCommand(file, g(cmd))));

  program.command('lock').description('take the state lock and print its ID (the lock stays held)')
    .option('--operation <OP>', 'Operation recorded in the lock info', 'tfstate-lock')
    .option('--info <TEXT>', 'Info recorded in the lock info')
    .option('--timeout <DURATION>', 'keep retrying while the lock is held, e.g. 30s (default 0s: one attempt)')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => lockCommand(g(cmd))));

  program.command('unlock').alias('force-unlock').description('release the lock held with LOCK_ID')
    .argument('<LOCK_ID>', 'the lock ID (from lock or lock-info)')
    .option('--force', 'accepted for terraform force-unlock compatibility (tfstate never prompts)')
    .option('--json', 'print JSON')
    .action(run(async (id: string, _o, cmd: Command) => unlockCommand(id, g(cmd))));

  program.command('lock-info').description('show the lock holder: who, operation, age, version')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => lockInfoCommand(g(cmd))));

  program.command('outputs').description('show the state\'s outputs, like terraform output')
    .argument('[NAME]', 'one output')
    .addOption(new Option('--raw', 'print a string, number or bool output without quotes').conflicts('json'))
    .option('--json', 'print JSON')
    .action(run(async (name: string | undefined, _o, cmd: Command) => outputsCommand(name, g(cmd))));

  program.command('history').description('list versions of the state object with serial, lineage, size, time')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => historyCommand(g(cmd))));

  lockFlags(program.command('restore')).description('write an older version as the newest (serial above the current, lineage kept), under the lock')
    .argument('<VERSION_ID>', 'version ID (see history)')
    .option('--json', 'print JSON')
    .action(run(async (id: string, _o, cmd: Command) => restoreCommand(id, g(cmd))));

  program.command('diff').description('resources and outputs added, removed, changed between two states')
    .argument('<A>', 'version ID, file, - (stdin) or current')
    .argument('<B>', 'version ID, file, - (stdin) or current')
    .option('--json', 'print JSON')
    .action(run(async (a: string, b: string, _o, cmd: Command) => diffCommand(a, b, g(cmd))));

  const digest = program.command('digest').description('the DynamoDB digest (-md5 item) of the state');
  lockFlags(digest.command('repair')).description('store the MD5 of the current state object as the digest, under the lock')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => digestRepairCommand(g(cmd))));

  program.command('doctor').description('check a live backend: bucket, versioning, encryption, public access, TLS policy, lock table, If-None-Match')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => doctorCommand(g(cmd))));

  program.command('backend-config').description('print the current configuration as a snippet')
    .addOption(new Option('--format <FORMAT>', 'snippet format').choices(['tf', 'hcl', 'terragrunt', 'cdktf', 'json']).default('tf'))
    .option('--json', 'same as --format json')
    .action(run(async (_o, cmd: Command) => backendConfigCommand(g(cmd))));

  return program;
}

/** Exit code for a commander error (help and version are successes, everything else a usage error). */
export function commanderExitCode(e: CommanderError): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.OK;
  return EXIT.USAGE;
}
