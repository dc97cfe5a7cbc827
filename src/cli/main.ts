#!/usr/bin/env node
/**
 * `tfstate`: the command-line face of cdk-tfstate-backend. See the README section "tfstate CLI reference".
 *
 * Start-up is kept to commander and the command tree: the command modules, the client and the AWS SDK
 * are loaded by the action that needs them, and the error printer only when something failed.
 */
import { CommanderError } from 'commander';
import { normaliseArgs } from './argv';
import { deferInterruptsWhileLocked } from './interrupts';
import { EXIT, finalExitCode, watchStdout } from './output';
import { buildProgram, commanderExitCode, load } from './program';

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => { code = c; });
  const args = normaliseArgs(argv);
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return commanderExitCode(e);
    return load.reportError().reportError(e);
  }
  return code;
}

if (require.main === module) {
  // The AWS SDK warns on every run that future releases need Node 22; that is noise in a CLI's
  // stderr, which scripts read. Other warnings are still printed.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'NodeVersionSupportWarning' && !w.message.includes('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  watchStdout();
  deferInterruptsWhileLocked();
  // At exit, not when main resolves: a write still queued for a pipe fails with EPIPE after that.
  process.on('exit', () => { process.exitCode = finalExitCode(Number(process.exitCode ?? EXIT.OK)); });
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { process.exitCode = load.reportError().reportError(e); },
  );
}
