/**
 * The `tfstate` command tree. It stays cheap to build: every command module (and with it the client
 * and the AWS SDK) is loaded by the action that runs it, so `--help`, `--version` and usage errors
 * load commander and this file only (see the cold-start row of `npm run bench`).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { notADuration, parseDuration, parseGoBool, unmarkPositional } from './argv';
import { EXIT, io } from './output';
import { SNIPPET_FORMATS } from '../construct/backend-config-render';

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
  -chdir DIR (default .)  the configuration "terraform init" recorded in .terraform
                          (or TF_DATA_DIR), else the backend "s3" block of its *.tf files
  -backend-config K=V     one attribute, or -backend-config FILE (HCL attributes); repeatable
plus the AWS environment: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, ...
Workspace: -workspace NAME, else TF_WORKSPACE, else the one "workspace select" recorded
(.terraform/environment, or under TF_DATA_DIR), else "default".
Terraform's single-dash long options (-backend-config, -chdir, -force, -lock=false, ...) are accepted.

Exit codes: 0 success, 1 error, 2 usage error, 3 state locked by someone else.`;

/** Checks a Go duration option at parse time, so that a bad value is a usage error before any work. */
const durationArg = (flag: string) => (value: string): string => {
  if (parseDuration(value) === undefined) throw new InvalidArgumentError(notADuration(flag, value));
  return value;
};

/** A `-flag=BOOL` value in Go's `strconv.ParseBool` syntax, as Terraform's flags take it. */
const boolArg = (flag: string) => (value: string): boolean => {
  const parsed = parseGoBool(value);
  if (parsed === undefined) throw new InvalidArgumentError(`${flag} takes true or false (e.g. ${flag}=false), got "${value}".`);
  return parsed;
};

const lockArg = boolArg('-lock');

/**
 * Terraform's `-lock` and `-lock-timeout`, on every command that takes the state lock. The action
 * receives them as `{ lock?: boolean; lockTimeout?: string }` (see `LockOptions` in argv.ts).
 */
function lockOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--lock <BOOL>', 'false: do not take the state lock (-lock=false, as terraform; not recommended)').argParser(lockArg))
    .addOption(new Option('--lock-timeout <DURATION>', 'retry a held lock this long, e.g. 30s (Go duration; default 0s: one attempt)').argParser(durationArg('-lock-timeout')));
}

/**
 * The modules loaded on use, never at start. Plain `require` rather than `import()`: it stays a
 * CommonJS require under every TypeScript module setting (ts-jest's included). The commands that
 * reach AWS check first that the SDK is installed, for an error that names the packages.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
/** Fails with the names of the `@aws-sdk/*` packages to install when they are missing (`--omit=optional`). */
const sdk = () => require('../client/private/require-sdk');
export const load = {
  state: (): typeof import('./commands/state') => (sdk(), require('./commands/state')),
  workspaces: (): typeof import('./commands/workspace') => (sdk(), require('./commands/workspace')),
  locks: (): typeof import('./commands/lock') => (sdk(), require('./commands/lock')),
  doctor: (): typeof import('./commands/doctor') => (sdk(), require('./commands/doctor')),
  lockReport: (): typeof import('./commands/locks') => (sdk(), require('./commands/locks')),
  migrateLocking: (): typeof import('./commands/migrate-locking-command') => (sdk(), require('./commands/migrate-locking-command')),
  rekey: (): typeof import('./commands/rekey') => (sdk(), require('./commands/rekey')),
  backendConfig: (): typeof import('./commands/backend-config') => require('./commands/backend-config'),
  reportError: (): typeof import('./report-error') => require('./report-error'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Builds the `tfstate` program. `setExit` receives each action's exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('tfstate');
  program
    .description('Inspect and operate a Terraform/OpenTofu S3 state backend, byte-compatible with Terraform.')
    .version(packageVersion(), '--version', 'print the version')
    .option('--backend-config <KEY=VALUE|FILE>', 'backend attribute or HCL file of attributes (repeatable, later wins)', collect)
    .option('--chdir <DIR>', 'directory of the configuration (*.tf, *.tf.json, *.tofu) with the backend "s3" block', undefined)
    .option('--workspace <NAME>', 'workspace (default: TF_WORKSPACE, else the one "workspace select" recorded, else "default")')
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
        setExit((await fn(...args.map(unmarkPositional) as A)) ?? EXIT.OK);
      } catch (e) {
        setExit(load.reportError().reportError(e));
      }
    };
  const g = (cmd: Command): any => cmd.optsWithGlobals();
  const { state, workspaces, locks } = load;

  const workspace = program.command('workspace').description('list, create and delete workspaces');
  workspace.command('list').description('list workspaces; the selected one is marked with *')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => workspaces().workspaceList(g(cmd))));
  lockOptions(workspace.command('new').description('create a workspace with an empty state (under the lock)')
    .argument('<NAME>', 'workspace name')
    .option('--json', 'print JSON'))
    .action(run(async (name: string, _o, cmd: Command) => workspaces().workspaceNew(name, g(cmd))));
  lockOptions(workspace.command('delete').description('delete a workspace\'s state object (under the lock)')
    .argument('<NAME>', 'workspace name')
    .option('--force', 'delete even if the state has resources or outputs')
    .option('--json', 'print JSON'))
    .action(run(async (name: string, _o, cmd: Command) => workspaces().workspaceDelete(name, g(cmd))));
  workspace.command('select').description('select a workspace: records it in the data directory, like terraform workspace select')
    .argument('<NAME>', 'workspace name')
    .option('--or-create', 'create the workspace if it does not exist')
    .option('--json', 'print JSON')
    .action(run(async (name: string, _o, cmd: Command) => workspaces().workspaceSelect(name, g(cmd))));
  workspace.command('show').description('print the selected workspace')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => workspaces().workspaceShow(g(cmd))));

  program.command('pull').description('write the state to stdout, byte for byte')
    .option('--version-id <ID>', 'an older version of the state object (see history)')
    .option('--redact', 'replace every sensitive value (sensitive outputs, sensitive_attributes, provider private data) by "(sensitive value)"; summary on stderr')
    .action(run(async (_o, cmd: Command) => state().pullCommand(g(cmd))));

  lockOptions(program.command('push').description('write a state under the lock, with Terraform\'s push rules (lineage, serial)')
    .argument('<FILE>', 'state file, or - for stdin')
    .option('--force', 'skip the lineage and serial checks')
    .option('--json', 'print JSON'))
    .action(run(async (file: string, _o, cmd: Command) => state().pushCommand(file, g(cmd))));

  program.command('lock').description('take the state lock and print its ID (the lock stays held)')
    .option('--operation <OP>', 'Operation recorded in the lock info', 'tfstate-lock')
    .option('--info <TEXT>', 'Info recorded in the lock info')
    .addOption(new Option('--lock-timeout <DURATION>', 'keep retrying while the lock is held, e.g. 30s (default 0s: one attempt)').argParser(durationArg('-lock-timeout')))
    .addOption(new Option('--timeout <DURATION>', 'same as --lock-timeout').argParser(durationArg('-timeout')).conflicts('lockTimeout'))
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => locks().lockCommand(g(cmd))));

  program.command('unlock').description('release the lock held with LOCK_ID (no confirmation)')
    .argument('<LOCK_ID>', 'the lock ID (from lock or lock-info)')
    .option('--json', 'print JSON')
    .action(run(async (id: string, _o, cmd: Command) => locks().unlockCommand(id, g(cmd))));

  program.command('force-unlock').description('release a stuck lock like terraform force-unlock: asks for confirmation unless --force')
    .argument('<LOCK_ID>', 'the lock ID (from lock-info or the lock error)')
    .option('--force', 'don\'t ask for confirmation')
    .option('--json', 'print JSON')
    .action(run(async (id: string, _o, cmd: Command) => locks().forceUnlockCommand(id, g(cmd))));

  program.command('lock-info').description('show the lock holder: who, operation, age, version')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => locks().lockInfoCommand(g(cmd))));

  program.command('locks').description('list every held lock of the backend (all keys and workspaces): who, operation, age')
    .option('--older-than <DURATION>', 'only locks at least this old, e.g. 2h (Go duration syntax)')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExit codes: 0 no lock matches, ${EXIT.LOCKS_FOUND} at least one lock matches (stale locks with -older-than), 1 error, 2 usage error.`)
    .action(run(async (_o, cmd: Command) => load.lockReport().locksCommand(g(cmd))));

  program.command('outputs').alias('output').description('show the state\'s outputs, like terraform output')
    .argument('[NAME]', 'one output')
    .addOption(new Option('--raw', 'print a string, number or bool output without quotes').conflicts('json'))
    .option('--json', 'print JSON')
    .option('--show-sensitive', 'show sensitive outputs\' values in the list, as tofu output -show-sensitive')
    .action(run(async (name: string | undefined, _o, cmd: Command) => state().outputsCommand(name, g(cmd))));

  program.command('history').description('list versions of the state object with serial, lineage, size, time and who wrote each')
    .addOption(new Option('--writers <BOOL>', 'false: leave out who wrote each version (no lock-version reads, no DynamoDB GetItem)').argParser(boolArg('-writers')))
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => state().historyCommand(g(cmd))));

  lockOptions(program.command('restore').description('write an older version as the newest (serial above the current, lineage kept), under the lock')
    .argument('<VERSION_ID>', 'version ID (see history)')
    .option('--json', 'print JSON'))
    .action(run(async (id: string, _o, cmd: Command) => state().restoreCommand(id, g(cmd))));

  program.command('diff').description('resources and outputs added, removed, changed between two states')
    .argument('<A>', 'version ID, file, - (stdin) or current')
    .argument('<B>', 'version ID, file, - (stdin) or current')
    .option('--json', 'print JSON')
    .action(run(async (a: string, b: string, _o, cmd: Command) => state().diffCommand(a, b, g(cmd))));

  lockOptions(program.command('rekey').description('re-encrypt the OpenTofu-encrypted state under the primary method (key rotation), under the lock')
    .option('--all-workspaces', 'every workspace of the backend')
    .option('--dry-run', 'report what would be re-encrypted; no lock, no write')
    .option('--force', 're-encrypt even a state the primary method already reads')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nThe encryption comes from TF_ENCRYPTION and the terraform { encryption { ... } } block of -chdir (variables: TF_VAR_*, tfvars).'))
    .action(run(async (_o, cmd: Command) => load.rekey().rekeyCommand(g(cmd))));

  const digest = program.command('digest').description('the DynamoDB digest (-md5 item) of the state');
  lockOptions(digest.command('repair').description('store the MD5 of the current state object as the digest, under the lock')
    .option('--json', 'print JSON'))
    .action(run(async (_o, cmd: Command) => state().digestRepairCommand(g(cmd))));

  program.command('doctor').description('check a live backend: bucket, versioning, encryption, public access, TLS policy, lock table, If-None-Match')
    .option('--json', 'print JSON')
    .action(run(async (_o, cmd: Command) => load.doctor().doctorCommand(g(cmd))));

  program.command('migrate-locking').description('move the backend from dynamodb_table to use_lockfile in two phases (checks no lock is held and the bucket honours conditional writes)')
    .option('--lockfile-only', 'the second phase: remove dynamodb_table and delete the stale -md5 digest items')
    .option('--dry-run', 'print every step and the file change; make no change')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nWith -chdir DIR the backend "s3" block in DIR is rewritten (formatting kept); without it the new block is printed.\n'
      + 'Run it without -lockfile-only first, let every user and pipeline run with both, then with -lockfile-only.')
    .action(run(async (_o, cmd: Command) => load.migrateLocking().migrateLockingCommand(g(cmd))));

  program.command('backend-config').description('print the current configuration as a snippet')
    .addOption(new Option('--format <FORMAT>', 'snippet format').choices(SNIPPET_FORMATS).default('tf'))
    .option('--json', 'same as --format json')
    .action(run(async (_o, cmd: Command) => load.backendConfig().backendConfigCommand(g(cmd))));

  return program;
}

/** Exit code for a commander error (help and version are successes, everything else a usage error). */
export function commanderExitCode(e: CommanderError): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.OK;
  return EXIT.USAGE;
}
