import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { isEncryptedStateError, isStateVersionNotFoundError } from '../../client';
import { formatOutputsHuman, formatOutputValue, outputJson, outputsJson, RawOutputError, rawOutput } from '../../protocol/output-format';
import { readStateOrEnvelope } from '../../protocol/state';
import type { LockOptions } from '../argv';
import { CliError, EXIT, formatSize, io, note, out, paint, printJson, progress } from '../output';
import { GlobalOptions, openSession, Session } from '../session';
import { DiffableState, diffStates } from '../state-diff';
import { lockingOptions } from './locking-flags';
import { RedactionMarkerScanner, REDACTED_PUSH_WARNING, redactPulledState } from './redact';

/**
 * `pull` of an OpenTofu envelope with no state encryption configured: the copy is the ciphertext
 * (fine for a backup; `tofu state pull` would refuse it), said on stderr so nobody takes it for the state.
 */
export const ENCRYPTED_PULL_WARNING = 'The state is encrypted with OpenTofu state encryption and no state encryption is configured: '
  + 'the output is the encrypted envelope as stored, not the state. To pull the decrypted state, configure the key provider and '
  + 'method in TF_ENCRYPTION or in the terraform { encryption { ... } } block of -chdir.';

/** When stdin is a terminal, says that the command waits for the state there (Terraform waits silently). */
function hintIfTerminal(command: string): void {
  if (process.stdin.isTTY) note(`${command}: reading the state from stdin (a terminal): paste it, then press Ctrl-D; Ctrl-C to cancel.`);
}

/** Reads all of stdin (for `diff ... -`). */
async function readStdin(): Promise<Buffer> {
  hintIfTerminal('diff');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * `pull [-version-id ID] [-redact]`: the state bytes, unchanged, on stdout; streamed, any size, digest
 * checked before the first byte. `-redact` reads the whole state instead and writes it with every
 * sensitive value replaced (`redact.ts`), the summary on stderr.
 */
export async function pullCommand(opts: GlobalOptions & { versionId?: string; redact?: boolean }): Promise<void> {
  const s = await openSession(opts);
  try {
    if (opts.redact) return await pullRedacted(s, opts.versionId);
    const pulled = await s.client.pullStateToStream(io.stdout as unknown as Writable, { end: false, versionId: opts.versionId });
    if (pulled?.encrypted) note(`${paint('yellow', 'Warning:', io.stderr)} ${ENCRYPTED_PULL_WARNING}`);
    if (pulled) return;
    if (opts.versionId) throw new CliError(`Version "${opts.versionId}" of the state does not exist or is empty. List versions with "tfstate history".`);
    note(`No state in workspace "${s.workspace}" (${s.client.paths.stateKey}).`);
  } finally {
    s.close();
  }
}

/** `pull -redact`: nothing reaches stdout unless the whole state was read and redacted. */
async function pullRedacted(s: Session, versionId: string | undefined): Promise<void> {
  let read;
  try {
    read = await s.client.readState({ versionId });
  } catch (e) {
    // No key for an OpenTofu envelope: the redactor's refusal, with the client's detail on the key.
    if (isEncryptedStateError(e)) throw new CliError(`pull -redact: The state is encrypted by OpenTofu; redact the decrypted state instead (${e.message}). Nothing was written.`);
    if (isStateVersionNotFoundError(e)) throw new CliError(e.message);
    throw e;
  }
  if (!read) {
    if (versionId) throw new CliError(`Version "${versionId}" of the state does not exist or is empty. List versions with "tfstate history".`);
    note(`No state in workspace "${s.workspace}" (${s.client.paths.stateKey}).`);
    return;
  }
  const { bytes, summary } = redactPulledState(read.bytes);
  io.stdout.write(bytes);
  note(summary);
}

/** Warns (stderr) about redaction markers in a file before it is pushed. */
async function warnIfRedactedFile(file: string): Promise<void> {
  const scanner = new RedactionMarkerScanner();
  for await (const chunk of createReadStream(file)) {
    scanner.feed(chunk as Buffer);
    if (scanner.found) break;
  }
  if (scanner.found) note(`${paint('yellow', 'Warning:', io.stderr)} ${REDACTED_PUSH_WARNING}`);
}

/**
 * `push FILE|- [-force] [-lock=false] [-lock-timeout=D]`: Terraform's `state push` rules, under the
 * lock. The client decides between the in-memory and the streamed push (and spools a large stdin to a
 * private temporary file).
 */
export async function pushCommand(file: string, opts: GlobalOptions & LockOptions & { force?: boolean }): Promise<void> {
  const locking = lockingOptions(opts);
  let size: number | undefined;
  if (file !== '-') {
    if (!existsSync(file)) throw new CliError(`push: file "${file}" does not exist. Pass a state file path, or - to read stdin.`, EXIT.USAGE);
    const stat = statSync(file);
    if (stat.isDirectory()) throw new CliError(`push: "${file}" is a directory. Pass a state file path, or - to read stdin.`, EXIT.USAGE);
    size = stat.size;
  }
  const s = await openSession(opts);
  try {
    const options = { force: opts.force, ...locking };
    let md5: string;
    if (size === undefined) {
      hintIfTerminal('push');
      // stdin is read once: the markers are looked for as it flows to the client.
      const scanner = new RedactionMarkerScanner();
      const watched = process.stdin.pipe(new Transform({ transform: (chunk, _enc, cb) => cb(null, (scanner.feed(chunk), chunk)) }));
      try {
        md5 = (await s.client.pushStateFromStream(watched, options)).md5;
      } finally {
        if (scanner.found) note(`${paint('yellow', 'Warning:', io.stderr)} ${REDACTED_PUSH_WARNING}`);
      }
    } else {
      await warnIfRedactedFile(file);
      const done = progress('Uploading', size);
      try {
        md5 = (await s.client.pushStateFromFile(file, options)).md5;
      } finally {
        done();
      }
    }
    if (opts.json) printJson({ pushed: true, workspace: s.workspace, key: s.client.paths.stateKey, md5 });
    else note(`Pushed ${size === undefined ? 'stdin' : formatSize(size)} to ${s.client.paths.stateKey}.`);
  } finally {
    s.close();
  }
}

/**
 * `outputs [NAME] [-raw|-json]`, like `terraform output` (protocol/output-format.ts): the human form,
 * `-json` and `-raw` are Terraform's renderings.
 */
export async function outputsCommand(name: string | undefined, opts: GlobalOptions & { raw?: boolean; showSensitive?: boolean }): Promise<void> {
  if (opts.raw && opts.json) throw new CliError('outputs: -raw and -json cannot be used together. Pick one.', EXIT.USAGE);
  if (opts.raw && !name) throw new CliError('outputs: the -raw option requires a single output name: tfstate outputs -raw NAME.', EXIT.USAGE);
  const s = await openSession(opts);
  try {
    const outputs = await s.client.readOutputs();
    if (name === undefined) {
      if (opts.json) {
        out(outputsJson(outputs));
        return;
      }
      if (Object.keys(outputs).length === 0) {
        note(`No outputs found in the state of workspace "${s.workspace}".`);
        return;
      }
      out(formatOutputsHuman(outputs, opts.showSensitive === true));
      return;
    }
    const o = outputs[name];
    if (!o) {
      throw new CliError(`Output "${name}" not found. The state of workspace "${s.workspace}" has: ${Object.keys(outputs).sort().join(', ') || 'no outputs'}.`);
    }
    if (opts.json) {
      out(outputJson(o));
    } else if (opts.raw) {
      let text: string;
      try {
        text = rawOutput(name, o);
      } catch (e) {
        if (e instanceof RawOutputError) throw new CliError(e.message);
        throw e;
      }
      io.stdout.write(text);
    } else {
      out(formatOutputValue(o.value, o.type));
    }
  } finally {
    s.close();
  }
}

export { historyCommand } from './history';

/** `restore VERSION_ID`: writes an old version as the newest, serial above the current one, lineage kept, under the lock. */
export async function restoreCommand(versionId: string, opts: GlobalOptions & LockOptions): Promise<void> {
  const locking = lockingOptions(opts);
  const s = await openSession(opts);
  try {
    let result;
    try {
      result = await s.client.restoreVersion(versionId, locking);
    } catch (e) {
      if (isStateVersionNotFoundError(e)) throw new CliError(e.message);
      throw e;
    }
    if (opts.json) printJson({ serial: result.serial, lineage: result.lineage, versionId: result.versionId, restoredFrom: result.restoredFrom });
    else out(`Restored version ${versionId} as serial ${result.serial} (lineage ${result.lineage || 'empty'})${result.versionId ? `, new version ${result.versionId}` : ''}.`);
  } finally {
    s.close();
  }
}

/**
 * One side of `diff`: read as Terraform reads a state file (formats 1 to 3 upgraded, as the client
 * reads the backend's versions), so that an older file and a newer version compare by address.
 * `{}` stands for "no state" (an empty file, no current state).
 */
async function loadForDiff(s: Session, spec: string, stdin: { used: boolean }): Promise<DiffableState> {
  let bytes: Buffer;
  if (spec === '-') {
    if (stdin.used) throw new CliError('diff: - (stdin) can be used for only one side.', EXIT.USAGE);
    stdin.used = true;
    bytes = await readStdin();
  } else if (spec === 'current') {
    return (await s.client.readState())?.state ?? {};
  } else if (existsSync(spec)) {
    if (statSync(spec).isDirectory()) throw new CliError(`diff: "${spec}" is a directory. Pass a state file, "-", "current" or a version ID.`, EXIT.USAGE);
    bytes = readFileSync(spec);
  } else {
    const r = await s.client.readState({ versionId: spec });
    if (!r) throw new CliError(`diff: "${spec}" is not a file, "-", "current" or an existing version ID. List versions with "tfstate history".`);
    return r.state;
  }
  const name = spec === '-' ? 'stdin' : `"${spec}"`;
  let read;
  try {
    read = readStateOrEnvelope(bytes);
  } catch (e) {
    throw new CliError(`diff: ${name} is not a Terraform state: ${(e as Error).message}`);
  }
  if (read.envelope) {
    throw new CliError(`diff: ${name} is an OpenTofu-encrypted state. Diff the backend's versions instead (a version ID or "current": `
      + 'they are decrypted with the configured encryption), or a decrypted copy (tfstate pull with the encryption configured).');
  }
  return read.state ?? {};
}

/** `diff A B`: resources and outputs added, removed, changed; serial jump. */
export async function diffCommand(a: string, b: string, opts: GlobalOptions): Promise<void> {
  const needsBackend = [a, b].some((x) => x !== '-' && !existsSync(x));
  const s = needsBackend ? await openSession(opts) : undefined;
  try {
    const stdin = { used: false };
    const sa = await loadForDiff(s as Session, a, stdin);
    const sb = await loadForDiff(s as Session, b, stdin);
    const d = diffStates(sa, sb);
    if (opts.json) {
      printJson(d);
      return;
    }
    out(`Serial: ${d.serial.from ?? '-'} -> ${d.serial.to ?? '-'}`);
    if (!d.lineage.same) out(paint('yellow', `Lineage differs: ${d.lineage.from ?? '-'} -> ${d.lineage.to ?? '-'} (unrelated states)`));
    for (const r of d.added) out(paint('green', `+ ${r}`));
    for (const r of d.removed) out(paint('red', `- ${r}`));
    for (const r of d.changed) out(paint('yellow', `~ ${r}`));
    for (const o of d.outputsAdded) out(paint('green', `+ output.${o}`));
    for (const o of d.outputsRemoved) out(paint('red', `- output.${o}`));
    for (const o of d.outputsChanged) out(paint('yellow', `~ output.${o}`));
    const n = d.added.length + d.removed.length + d.changed.length;
    out(`${n} resource instance(s) differ: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed.`);
  } finally {
    s?.close();
  }
}

/** `digest repair`: stores the MD5 of the current object as the DynamoDB digest (or removes it when there is no object), under the lock. */
export async function digestRepairCommand(opts: GlobalOptions & LockOptions): Promise<void> {
  const locking = lockingOptions(opts);
  const s = await openSession(opts);
  try {
    if (!s.config.dynamodb_table) {
      throw new CliError('digest repair: no dynamodb_table is configured, so there is no digest to repair. Pass -backend-config dynamodb_table=NAME.', EXIT.USAGE);
    }
    const result = await s.client.repairDigest(locking);
    const paths = s.client.paths;
    if (opts.json) printJson({ lockId: result.digestLockId, digest: result.digest, removed: result.removed });
    else if (result.removed) out(`No state object at ${paths.stateKey}: removed the digest item ${result.digestLockId}.`);
    else out(`Stored digest ${result.digest} for ${paths.stateKey} (${result.digestLockId}).`);
  } finally {
    s.close();
  }
}
