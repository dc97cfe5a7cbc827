import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { StreamedWriteResult, StreamingState } from './streaming';
import { rewriteStateFile, statesMarshalEqualFiles } from './streaming-rewrite';
import { STREAMING_THRESHOLD_BYTES, writeStateFile, type Replacement, type WriteTarget } from './streaming-write';
import { createPrivateWriteStream, spoolTo, withTempFile } from './temp-files';
import { checkStatePushIdentity, nextSerialForIdentity } from '../../protocol/push-rules';
import { newLineage, type StateFile, type StateFlavor } from '../../protocol/state';
import { isPrefixEmpty, stateHeadFromPrefix, StatePrefixScanner, type StatePrefix } from '../../protocol/streaming-scan';
import { EncryptedStateError, InvalidStateError, StateConflictError } from '../errors';

/** One pass over a local file: MD5, size and the scanned prefix. */
export async function scanFile(path: string): Promise<{ md5: string; size: number; prefix: StatePrefix }> {
  const md5 = createHash('md5');
  const scanner = new StatePrefixScanner();
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    size += chunk.length;
    if (!scanner.done) scanner.push(chunk);
  }
  return { md5: md5.digest('hex'), size, prefix: scanner.finish() };
}

/** The head of a local state file, with the byte spans of `serial` and `lineage`. */
/** A local state file's scan with its head and the byte spans of `serial` and `lineage`. */
export interface ScannedStateFile {
  readonly md5: string;
  readonly size: number;
  readonly prefix: StatePrefix;
  readonly head: StateFile;
  readonly serialSpan: readonly [number, number];
  readonly lineageSpan: readonly [number, number];
}

export async function scanStateFile(path: string, terraformVersion?: string): Promise<ScannedStateFile> {
  const local = await scanFile(path);
  const where = `the state file ${path}`;
  if (local.prefix.encrypted) throw new EncryptedStateError(`${where} is an OpenTofu encrypted state; push it with OpenTofu`);
  if (local.size === 0) throw new InvalidStateError('refusing to push an empty state: it is not a state file');
  let head: StateFile | undefined;
  try {
    head = stateHeadFromPrefix(local.prefix, terraformVersion);
  } catch (e) {
    throw new InvalidStateError(`${where} is not a usable state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const { serialSpan, lineageSpan } = local.prefix;
  if (!head || !serialSpan || !lineageSpan) {
    throw new InvalidStateError(`${where} is not a usable state: it needs top-level "version", "serial" and "lineage" attributes`);
  }
  return { ...local, head, serialSpan, lineageSpan };
}

/** `serial` (and `lineage`) rewritten in place, through the scanner's byte spans. */
export function identityReplacements(
  scanned: { head: StateFile; serialSpan: readonly [number, number]; lineageSpan: readonly [number, number] },
  serial: number,
  lineage: string = scanned.head.lineage,
): Replacement[] {
  const replace: Replacement[] = [{ start: scanned.serialSpan[0], end: scanned.serialSpan[1], bytes: Buffer.from(String(serial)) }];
  if (lineage !== scanned.head.lineage) {
    replace.push({ start: scanned.lineageSpan[0], end: scanned.lineageSpan[1], bytes: Buffer.from(JSON.stringify(lineage)) });
  }
  return replace;
}

/**
 * `terraform state push` of a file of any size, holding no more than one resource and a few parts in
 * memory. Run it under the lock. The rules are Terraform's (`protocol/push-rules.ts`): at the same
 * lineage and serial, "same content" is equal MD5s (of the file, or of its rewrite in Terraform's
 * form) or, failing that, Terraform's semantic equality (`sameStateContent`, which reads both states
 * whole: only in that rare case). The written object is what the whole-state push writes: the file
 * read and re-written as Terraform's `statefile.Write` does (`protocol/statefile/stream-write.ts`,
 * into a private temporary file, so a state Terraform would refuse is refused before any upload),
 * with `serial` (and, into a workspace without state, `lineage`) replaced per Terraform's
 * PersistState rule.
 */
export async function pushStateFile(
  reader: StreamingState,
  target: WriteTarget,
  path: string,
  options: { force?: boolean; signal?: AbortSignal; newLineage?: () => string; terraformVersion?: string } = {},
): Promise<StreamedWriteResult> {
  const { signal } = options;
  const local = await scanStateFile(path, options.terraformVersion);
  return withTempFile('push-rewrite', async (file) => {
    const rewritten = await rewriteStateFile(path, file.path, { terraformVersion: options.terraformVersion, signal });
    // The identity Terraform's reader sees (the prefix scan keeps a duplicated key's first value, Go the last).
    const pushed = rewritten.head;
    const remote = await reader.readHead({ signal });
    let same = false;
    if (remote && pushed.lineage === remote.head.lineage && pushed.serial === remote.head.serial) {
      const remoteMd5 = remote.md5 ?? (await reader.readHead({ signal, wantMd5: true }))?.md5;
      same = remoteMd5 === local.md5 || remoteMd5 === rewritten.md5 || await sameAsRemote(reader, path, pushed.flavor ?? 'terraform', signal);
    }
    const remoteIdentity = remote && { lineage: remote.head.lineage, serial: remote.head.serial, empty: isPrefixEmpty(remote.prefix, remote.head) };
    const check = checkStatePushIdentity(pushed, remoteIdentity, () => same, { force: options.force });
    if (!check.ok) throw new StateConflictError(check.message);
    const decision = nextSerialForIdentity(pushed, remote?.head, () => same, options.newLineage ?? newLineage);
    if (!decision.write) return { md5: local.md5, etag: remote?.etag, versionId: remote?.versionId, written: false, parts: 0 };
    const spans = { head: pushed, serialSpan: rewritten.serialSpan, lineageSpan: rewritten.lineageSpan };
    const replace = identityReplacements(spans, decision.serial, decision.lineage);
    const r = await writeStateFile(target, file.path, { signal, replace });
    return { ...r, written: true };
  });
}

/**
 * Terraform's "same state" (`statefile.StatesMarshalEqual`, as `sameStateContent` decides it) of the
 * pushed file and the stored state (pulled digest-checked into a private temporary file), in bounded
 * memory: both re-written with serial, lineage and writer version blanked, compared by MD5.
 */
async function sameAsRemote(reader: StreamingState, path: string, flavor: StateFlavor, signal?: AbortSignal): Promise<boolean> {
  return withTempFile('push-compare', async (file) => {
    const sink = createPrivateWriteStream(file.path);
    const pulled = await reader.pullTo(sink, { signal });
    if (!pulled) {
      sink.destroy();
      return false;
    }
    if (!sink.closed) await once(sink, 'close');
    return statesMarshalEqualFiles(path, file.path, flavor, signal);
  });
}

/**
 * A push from a stream: up to {@link STREAMING_THRESHOLD_BYTES} is held in memory and handed to
 * `small`; a larger stream is spooled to a private temporary file (see `temp-files.ts`) handed to
 * `large`, and removed afterwards.
 */
export async function pushFromStream<T>(
  source: AsyncIterable<Uint8Array>,
  small: (bytes: Buffer) => Promise<T>,
  large: (path: string) => Promise<T>,
): Promise<T> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await it.next();
    if (next.done) return small(Buffer.concat(head));
    head.push(Buffer.from(next.value));
    size += next.value.length;
    if (size > STREAMING_THRESHOLD_BYTES) break;
  }
  const all = (async function* () {
    yield* head;
    for (let next = await it.next(); !next.done; next = await it.next()) yield Buffer.from(next.value);
  })();
  return withTempFile('push', async (file) => {
    await spoolTo(file.path, all);
    return large(file.path);
  });
}
