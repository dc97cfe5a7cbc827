import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CliError, EXIT, formatSize, io, note, out, paint, printJson, printTable, progress } from '../output';
import { GlobalOptions, openSession, Session } from '../session';
import { DiffableState, diffStates } from '../state-diff';

/** Reads all of stdin (for `push -` and `diff ... -`). */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** `pull [-version-id ID]`: the state bytes, unchanged, on stdout. */
export async function pullCommand(opts: GlobalOptions & { versionId?: string }): Promise<void> {
  const s = await openSession(opts);
  try {
    if (!opts.versionId) {
      // Streamed: states of any size, memory bounded, digest checked before the first byte.
      const pulled = await s.client.pullStateToStream(io.stdout as unknown as import('node:stream').Writable, { end: false });
      if (!pulled) note(`No state in workspace "${s.workspace}" (${s.client.paths.stateKey}).`);
      return;
    }
    const result = await s.client.readState({ versionId: opts.versionId });
    if (!result) {
      if (opts.versionId) throw new CliError(`Version "${opts.versionId}" of the state does not exist or is empty. List versions with "tfstate history".`);
      note(`No state in workspace "${s.workspace}" (${s.client.paths.stateKey}).`);
      return;
    }
    const done = progress('Downloaded', result.bytes.length);
    done();
    await new Promise<void>((resolve, reject) => io.stdout.write(result.bytes, (e) => (e ? reject(e) : resolve())));
  } finally {
    s.close();
  }
}

/** `push FILE|- [-force]`: Terraform's `state push` rules, under the lock. */
export async function pushCommand(file: string, opts: GlobalOptions & { force?: boolean }): Promise<void> {
  let bytes: Buffer;
  if (file === '-') {
    const head = await readStdinUpTo(STREAMED_PUSH_ABOVE_BYTES);
    if (head.rest) return pushStreamed(head.rest, opts);
    bytes = head.bytes;
  } else {
    if (!existsSync(file)) throw new CliError(`push: file "${file}" does not exist. Pass a state file path, or - to read stdin.`, EXIT.USAGE);
    if (statSync(file).size > STREAMED_PUSH_ABOVE_BYTES) return pushStreamed(file, opts);
    bytes = readFileSync(file);
  }
  let parsed: any;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CliError(`push: ${file === '-' ? 'stdin' : file} is not a Terraform state (invalid JSON: ${(e as Error).message}). Nothing was written.`);
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.version === undefined) {
    throw new CliError(`push: ${file === '-' ? 'stdin' : file} is not a Terraform state: the state file does not have a "version" attribute. Nothing was written.`);
  }
  const s = await openSession(opts);
  try {
    const done = progress('Uploading', bytes.length);
    try {
      await s.client.pushState(bytes, { force: opts.force });
    } finally {
      done();
    }
    if (opts.json) printJson({ pushed: true, workspace: s.workspace, key: s.client.paths.stateKey });
    else note(`Pushed ${formatSize(bytes.length)} to ${s.client.paths.stateKey}.`);
  } finally {
    s.close();
  }
}

/** Larger states are pushed streamed (multipart, bounded memory) instead of parsed whole. */
const STREAMED_PUSH_ABOVE_BYTES = 8 * 1024 * 1024;

/** Reads stdin up to `limit` bytes; past it, returns a stream of everything (read part first, then the rest). */
async function readStdinUpTo(limit: number): Promise<{ bytes: Buffer; rest?: AsyncIterable<Buffer> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const it = process.stdin[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) return { bytes: Buffer.concat(chunks) };
    chunks.push(Buffer.from(next.value));
    size += next.value.length;
    if (size > limit) {
      return {
        bytes: Buffer.alloc(0),
        rest: (async function* () {
          yield* chunks;
          for (;;) {
            const more = await it.next();
            if (more.done) return;
            yield Buffer.from(more.value);
          }
        })(),
      };
    }
  }
}

/** `push` of a large state: `pushStateFromFile`/`pushStateFromStream` (push rules on the scanned prefix). */
async function pushStreamed(source: string | AsyncIterable<Buffer>, opts: GlobalOptions & { force?: boolean }): Promise<void> {
  const s = await openSession(opts);
  try {
    const r = typeof source === 'string'
      ? await s.client.pushStateFromFile(source, { force: opts.force })
      : await s.client.pushStateFromStream(source, { force: opts.force });
    if (opts.json) printJson({ pushed: true, workspace: s.workspace, key: s.client.paths.stateKey, md5: r.md5 });
    else note(`Pushed to ${s.client.paths.stateKey} (streamed).`);
  } finally {
    s.close();
  }
}

/** Terraform's console rendering of a value (strings quoted, collections indented). */
export function formatValue(v: unknown, indent = ''): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${inner}${formatValue(x, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)} = ${formatValue(x, inner)}`).join('\n')}\n${indent}}`;
}

/** `outputs [NAME] [-raw|-json]`, like `terraform output`. */
export async function outputsCommand(name: string | undefined, opts: GlobalOptions & { raw?: boolean }): Promise<void> {
  if (opts.raw && opts.json) throw new CliError('outputs: -raw and -json cannot be used together. Pick one.', EXIT.USAGE);
  if (opts.raw && !name) throw new CliError('outputs: the -raw option requires a single output name: tfstate outputs -raw NAME.', EXIT.USAGE);
  const s = await openSession(opts);
  try {
    const outputs = await s.client.readOutputs();
    if (name === undefined) {
      if (opts.json) {
        printJson(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, { sensitive: o.sensitive, type: o.type, value: o.value }])));
        return;
      }
      const names = Object.keys(outputs).sort();
      if (names.length === 0) {
        note(`No outputs found in the state of workspace "${s.workspace}".`);
        return;
      }
      for (const k of names) out(`${k} = ${outputs[k].sensitive ? '<sensitive>' : formatValue(outputs[k].value)}`);
      return;
    }
    const o = outputs[name];
    if (!o) {
      throw new CliError(`Output "${name}" not found. The state of workspace "${s.workspace}" has: ${Object.keys(outputs).sort().join(', ') || 'no outputs'}.`);
    }
    if (opts.json) {
      printJson(o.value);
    } else if (opts.raw) {
      if (o.value === null || typeof o.value === 'object') {
        throw new CliError(`Output "${name}" is not a string, number or bool, so -raw cannot print it. Use -json instead.`);
      }
      io.stdout.write(String(o.value));
    } else {
      out(formatValue(o.value));
    }
  } finally {
    s.close();
  }
}

interface VersionRow {
  versionId: string;
  serial?: number;
  lineage?: string;
  size?: number;
  lastModified?: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
}

/** `history`: versions of the state object, newest first, with serial and lineage. */
export async function historyCommand(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const versions = await s.client.listStateVersions();
    const rows: VersionRow[] = [];
    for (const v of versions) {
      const row: VersionRow = {
        versionId: v.versionId,
        size: v.size,
        lastModified: v.lastModified?.toISOString(),
        isLatest: v.isLatest,
        isDeleteMarker: v.isDeleteMarker,
      };
      if (!v.isDeleteMarker && (v.size ?? 1) > 0) {
        try {
          const r = await s.client.readState({ versionId: v.versionId });
          row.serial = r?.state.serial;
          row.lineage = r?.state.lineage;
        } catch {
          // An unreadable version (encrypted, corrupt) is still listed, without serial/lineage.
        }
      }
      rows.push(row);
    }
    if (opts.json) {
      printJson(rows);
      return;
    }
    if (rows.length === 0) {
      note(`No versions of ${s.client.paths.stateKey}.`);
      return;
    }
    printTable(
      ['VERSION ID', 'SERIAL', 'LINEAGE', 'SIZE', 'LAST MODIFIED', ''],
      rows.map((r) => [
        r.versionId,
        r.isDeleteMarker ? '(deleted)' : String(r.serial ?? '-'),
        r.lineage || '-',
        r.size === undefined ? '-' : formatSize(r.size),
        r.lastModified ?? '-',
        r.isLatest ? paint('green', 'current') : '',
      ]),
    );
  } finally {
    s.close();
  }
}

/**
 * Sets the top-level `serial` of a state text without re-serialising the rest (big numbers and
 * formatting in resources stay byte-identical). The top-level `serial` precedes `resources` in
 * both Terraform's and OpenTofu's layouts, so the first match is the top-level one; the result is
 * verified by parsing.
 */
export function setSerial(text: string, serial: number): string {
  const replaced = text.replace(/"serial"(\s*):(\s*)\d+/, (_m, a, b) => `"serial"${a}:${b}${serial}`);
  const check = JSON.parse(replaced);
  if (check.serial !== serial) throw new CliError('restore: could not set the serial of the restored state. The version is not a v4 state; nothing was written.');
  return replaced;
}

/** `restore VERSION_ID`: writes an old version as the newest, serial above the current one, lineage kept. */
export async function restoreCommand(versionId: string, opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const result = await s.client.withLock(async () => {
      const old = await s.client.readState({ versionId });
      if (!old) throw new CliError(`Version "${versionId}" of ${s.client.paths.stateKey} does not exist or is empty. List versions with "tfstate history".`);
      const current = await s.client.readState();
      const serial = Math.max(current?.state.serial ?? 0, old.state.serial) + 1;
      const bytes = Buffer.from(setSerial(old.bytes.toString('utf8'), serial));
      const written = await s.client.writeState(bytes);
      return { serial, lineage: old.state.lineage, versionId: written.versionId, restoredFrom: versionId };
    }, { operation: 'state-push' });
    if (opts.json) printJson(result);
    else out(`Restored version ${versionId} as serial ${result.serial} (lineage ${result.lineage || 'empty'})${result.versionId ? `, new version ${result.versionId}` : ''}.`);
  } finally {
    s.close();
  }
}

async function loadForDiff(s: Session, spec: string, stdin: { used: boolean }): Promise<DiffableState> {
  let text: string;
  if (spec === '-') {
    if (stdin.used) throw new CliError('diff: - (stdin) can be used for only one side.', EXIT.USAGE);
    stdin.used = true;
    text = (await readStdin()).toString('utf8');
  } else if (spec === 'current') {
    const r = await s.client.readState();
    if (!r) return {};
    text = r.bytes.toString('utf8');
  } else if (existsSync(spec)) {
    text = readFileSync(spec, 'utf8');
  } else {
    const r = await s.client.readState({ versionId: spec });
    if (!r) throw new CliError(`diff: "${spec}" is not a file, "-", "current" or an existing version ID. List versions with "tfstate history".`);
    text = r.bytes.toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`diff: "${spec}" is not a Terraform state (invalid JSON: ${(e as Error).message}).`);
  }
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

/** `digest repair`: stores the MD5 of the current object as the DynamoDB digest (or removes it when there is no object). */
export async function digestRepairCommand(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const table = s.config.dynamodb_table;
    if (!table) {
      throw new CliError('digest repair: no dynamodb_table is configured, so there is no digest to repair. Pass -backend-config dynamodb_table=NAME.', EXIT.USAGE);
    }
    // The client's own SDK clients, so that the repair runs with the configured credentials (assume_role, profile).
    const { s3, dynamodb } = s.client.sdkClients();
    if (!dynamodb) throw new Error('digest repair: the client has no DynamoDB client although dynamodb_table is set');
    const paths = s.client.paths;
    const result = await s.client.withLock(async () => {
      let body: Buffer | undefined;
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: paths.bucket, Key: paths.stateKey, ...sseCustomerHeaders(s) }));
        body = Buffer.from(await res.Body!.transformToByteArray());
      } catch (e) {
        if ((e as { name?: string }).name !== 'NoSuchKey') throw e;
      }
      if (!body || body.length === 0) {
        await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { LockID: { S: paths.digestLockId } } }));
        return { digest: undefined, removed: true };
      }
      const digest = createHash('md5').update(body).digest('hex');
      await dynamodb.send(new PutItemCommand({ TableName: table, Item: { LockID: { S: paths.digestLockId }, Digest: { S: digest } } }));
      return { digest, removed: false };
    }, { operation: 'tfstate-digest-repair' });
    if (opts.json) printJson({ lockId: paths.digestLockId, ...result });
    else if (result.removed) out(`No state object at ${paths.stateKey}: removed the digest item ${paths.digestLockId}.`);
    else out(`Stored digest ${result.digest} for ${paths.stateKey} (${paths.digestLockId}).`);
  } finally {
    s.close();
  }
}

/** SSE-C headers for raw reads, only when `encrypt` is on (Terraform gates all SSE on it). */
export function sseCustomerHeaders(s: Session): Record<string, string> {
  const key = s.config.sse_customer_key ?? process.env.AWS_SSE_CUSTOMER_KEY;
  if (!s.config.encrypt || !key) return {};
  const raw = Buffer.from(key, 'base64');
  return {
    SSECustomerAlgorithm: 'AES256',
    SSECustomerKey: key,
    SSECustomerKeyMD5: createHash('md5').update(raw).digest('base64'),
  };
}
