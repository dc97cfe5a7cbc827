import type { RekeyResult } from '../../client';
import type { LockOptions } from '../argv';
import { CliError, EXIT, io, note, paint, printJson, printTable } from '../output';
import { GlobalOptions, openSession } from '../session';
import { lockingOptions } from './locking-flags';

/** Options of `tfstate rekey`. */
export interface RekeyFlags extends LockOptions {
  readonly allWorkspaces?: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
}

const ACTION_TEXT: Record<RekeyResult['action'], string> = {
  'rekeyed': 're-encrypted',
  'would-rekey': 'would re-encrypt',
  'up-to-date': 'already under the primary method',
  'no-state': 'no state',
};

/**
 * `rekey [-all-workspaces] [-dry-run] [-force] [-lock=false] [-lock-timeout=D] [-json]`: re-encrypts
 * the current state of the workspace (or of every workspace) under the primary method of the OpenTofu
 * state encryption, under the lock, serial + 1. A state the primary method already reads is left alone
 * unless -force. Every workspace is reported; the exit code is 1 when any failed.
 */
export async function rekeyCommand(opts: GlobalOptions & RekeyFlags): Promise<number> {
  const locking = lockingOptions(opts);
  const s = await openSession(opts);
  try {
    const names = opts.allWorkspaces ? await s.client.listWorkspaces() : [s.workspace];
    const results: (RekeyResult | { workspace: string; error: string })[] = [];
    let failed: unknown;
    for (const name of names) {
      const client = name === s.workspace ? s.client : s.client.withWorkspace(name);
      try {
        results.push(await client.rekeyState({ ...locking, force: opts.force, dryRun: opts.dryRun }));
      } catch (e) {
        if (!opts.allWorkspaces) throw e;
        failed ??= e;
        results.push({ workspace: name, error: (e as Error).message });
      }
    }
    if (opts.json) {
      printJson({ dryRun: opts.dryRun === true, workspaces: results });
    } else {
      printTable(['WORKSPACE', 'RESULT', 'READ WITH', 'SERIAL'], results.map((r) => 'error' in r
        ? [r.workspace, paint('red', 'error', io.stdout), '-', '-']
        : [r.workspace, r.action === 'rekeyed' ? paint('green', ACTION_TEXT[r.action]) : ACTION_TEXT[r.action], r.from ?? '-',
          r.serial === undefined ? '-' : r.newSerial === undefined ? String(r.serial) : `${r.serial} -> ${r.newSerial}`]));
      for (const r of results) if ('error' in r) note(`${paint('red', 'Error:', io.stderr)} workspace "${r.workspace}": ${r.error}`);
    }
    if (failed !== undefined) {
      if (opts.json) for (const r of results) if ('error' in r) note(`Error: workspace "${r.workspace}": ${r.error}`);
      return EXIT.ERROR;
    }
    if (results.length === 0) throw new CliError('rekey: no workspace has a state.');
    return EXIT.OK;
  } finally {
    s.close();
  }
}

