import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { MigrateLockingPorts, runMigrateLocking } from './migrate-locking';
import { validateConfig } from '../../protocol/config';
import { BackendAttributes, parseBackendConfigArg } from '../config';
import { out, printJson } from '../output';
import { GlobalOptions, openSession } from '../session';
import { snippetValuesFrom } from './backend-config';

/** Options of `migrate-locking`. */
export interface MigrateLockingCommandOptions extends GlobalOptions {
  readonly lockfileOnly?: boolean;
  readonly dryRun?: boolean;
}

/** The `.tf` files of `dir` (not `.tf.json`: the editor handles native syntax only), sorted as Terraform reads them. */
async function readTfFiles(dir: string): Promise<{ name: string; text: string }[]> {
  const names = (await fsp.readdir(dir)).filter((f) => f.endsWith('.tf')).sort();
  return Promise.all(names.map(async (name) => ({ name, text: await fsp.readFile(path.join(dir, name), 'utf8') })));
}

/** Replaces `dir/name` through a temporary file in the same directory and a rename, keeping the file's mode. */
async function writeTfFile(dir: string, name: string, text: string): Promise<void> {
  const file = path.join(dir, name);
  const { mode } = await fsp.stat(file);
  const temp = path.join(dir, `.${name}.tfstate-${process.pid}.tmp`);
  try {
    await fsp.writeFile(temp, text, { flag: 'wx' });
    await fsp.chmod(temp, mode % 0o10000); // the permission bits, whatever the umask
    await fsp.rename(temp, file);
  } catch (e) {
    await fsp.rm(temp, { force: true });
    throw e;
  }
}

/**
 * `migrate-locking [-lockfile-only] [-dry-run] [-json]`: the runner (`migrate-locking.ts`) on the
 * session's client. With the global `-chdir` the backend block of that directory is rewritten; without
 * it the new block is printed. The checks read the lock items and lock files of every workspace.
 */
export async function migrateLockingCommand(opts: MigrateLockingCommandOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const resolved = validateConfig(s.config, process.env).config;
    const cwd = path.resolve(opts.chdir ?? '.');
    const overridden = new Set<string>();
    for (const arg of opts.backendConfig ?? []) for (const k of Object.keys(await parseBackendConfigArg(arg, cwd))) overridden.add(k);
    const ports: MigrateLockingPorts = {
      listWorkspaces: () => s.client.listWorkspaces(),
      dynamodbLockHolder: (id) => s.client.readLockItem(id),
      lockFileHolder: (key) => s.client.readLockFile(key),
      probeConditionalWrites: () => s.client.probeConditionalWrites(),
      deleteDigestItem: (id) => s.client.deleteDigestItem(id),
      readTfFiles,
      writeTfFile,
      out: opts.json ? () => undefined : out,
    };
    const result = await runMigrateLocking({
      phase: opts.lockfileOnly ? 'lockfile-only' : 'both',
      dryRun: opts.dryRun,
      chdir: opts.chdir,
      config: {
        bucket: resolved.bucket,
        key: resolved.key,
        workspaceKeyPrefix: resolved.workspace_key_prefix,
        dynamodbTable: resolved.dynamodb_table || undefined,
        useLockfile: resolved.use_lockfile,
      },
      snippet: snippetValuesFrom(s.config as unknown as BackendAttributes),
      overridden: [...overridden],
    }, ports);
    if (opts.json) printJson(result);
  } finally {
    s.close();
  }
}
