import { GoJsonSyntaxError, GoJsonValue, compareGoStrings, marshalGoJson, parseGoJson } from '../go-json';
import { AddressError, StateFlavor, normalizeModuleInstance } from './addrs';
import { StateFile } from './model';
import { binary } from './raw-json';
import { parseState, field, isObject } from './read';
import { StreamWriteScanner, type StreamWriteScan } from './stream-write-scan';
import { writeState } from './write';

/**
 * The streamed form of "read with Terraform's `statefile.Read`, write with its `statefile.Write`"
 * (`parseState` + `writeState`), for states too large to hold as objects: the bytes produced are
 * exactly those of `writeState(parseState(file))` (with `serial`/`lineage` replaced when asked), but
 * only one resource is held at a time.
 *
 * How: Terraform's `writeStateV4` writes the top level (`version`, `terraform_version`, `serial`,
 * `lineage`, `outputs`, then `resources`, then `check_results`) and the resources sorted by module,
 * mode, type and name, merged by address as `prepareStateV4` merges them; every resource object is
 * written at the same depth (2) by `json.MarshalIndent`. So:
 *  1. one pass (`stream-write-scan.ts`) finds the `resources` array and, per element, its byte span,
 *     address, sort key and whether it carries an OpenTofu-only field (the flavour decision of
 *     `parseState` needs it);
 *  2. the file without that array (the "skeleton": outputs and check results, small) goes through
 *     `parseState` and `writeState` whole: that is the text around the resources;
 *  3. resources are written in Terraform's order, each group of elements with one address read back
 *     by its spans and put through the same `parseState` + `writeState` as a one-resource state, whose
 *     resource text is cut out (it is at the same depth, so indented identically).
 * The whole-file path is taken (exact by construction, but not bounded) for what the streamed one
 * does not cover: formats 1 to 3 (upgraded from `modules`, no `resources` array) and files the scan
 * cannot follow (bad JSON: the whole parse then gives Terraform's error).
 *
 * @see https://github.com/hashicorp/terraform/blob/main/internal/states/statefile/version4.go (writeStateV4, prepareStateV4)
 */

/** Random access to the bytes of a state file. */
export interface StateByteSource {
  readonly size: number;
  /** The bytes in order, from the start. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<Buffer>;
}

/** Options of {@link streamWriteState}. */
export interface StreamWriteOptions {
  /** The version named in "not supported by Terraform X" texts (as {@link parseState}). */
  readonly terraformVersion?: string;
  /** Written instead of the file's `serial`. */
  readonly serial?: number;
  /** Written instead of the file's `lineage`. */
  readonly lineage?: string;
  /** Written instead of the file's `terraform_version` (`statesMarshalEqual` blanks it). */
  readonly writtenTerraformVersion?: string;
  /** Whose writer to follow. @default - the flavour the file is read with (as `writeState`) */
  readonly writeFlavor?: StateFlavor;
}

/** What {@link streamWriteState} wrote. */
export interface StreamWriteResult {
  /** The state without its resources (identity, outputs, check results, flavour) as read. */
  readonly head: StateFile;
  /** Bytes written. */
  readonly size: number;
  /** Spans `[start, end)` of the `serial` and `lineage` values in the written bytes. */
  readonly serialSpan: readonly [number, number];
  readonly lineageSpan: readonly [number, number];
  /** True when the whole file was read at once (formats 1 to 3, or a file the scan could not follow). */
  readonly whole: boolean;
}

interface Group {
  readonly key: readonly string[];
  /** Sorted before all others (an element that does not decode: its error is raised first). */
  readonly bad: boolean;
  readonly order: number;
  readonly spans: [number, number][];
}

interface MemberPlan {
  readonly groups: Map<string, Group>;
  tofu: boolean;
}

/** Element of a `resources` array: its merge address, sort key and OpenTofu-only fields. */
function planElement(plan: MemberPlan, bytes: Buffer, start: number, end: number): void {
  const v = parseGoJson(bytes); // syntax errors propagate (caught by the caller)
  if (v === null) return; // Go's decoder skips null elements
  const add = (addr: string, key: readonly string[], bad: boolean) => {
    let g = plan.groups.get(addr);
    if (!g) plan.groups.set(addr, g = { key, bad, order: plan.groups.size, spans: [] });
    g.spans.push([start, end]);
  };
  const bad = () => add(`\u0000${start}`, [], true);
  if (!isObject(v)) return bad();
  const str = (k: string): string | undefined => {
    const x = field(v, k);
    return x === undefined || x === null ? '' : typeof x === 'string' ? x : undefined;
  };
  const [mode, type, name, rawModule] = [str('mode'), str('type'), str('name'), str('module')];
  if (mode === undefined || type === undefined || name === undefined || rawModule === undefined) return bad();
  if (mode !== 'managed' && mode !== 'data') return bad();
  let module = '';
  try {
    module = rawModule === '' ? '' : normalizeModuleInstance(rawModule);
  } catch (e) {
    if (e instanceof AddressError) return bad();
    throw e;
  }
  const instances = field(v, 'instances');
  if (Array.isArray(instances)) {
    for (const i of instances as GoJsonValue[]) {
      if (!isObject(i)) continue;
      const p = field(i, 'provider');
      if ((typeof p === 'string' && p !== '') || field(i, 'skip_destroy') === true) plan.tofu = true;
    }
  }
  add(`${module ? module + '.' : ''}${mode === 'data' ? 'data.' : ''}${type}.${name}`, [module, mode, type, name], false);
}

/** The member Go's decoder fills: the exact name if present, else the last case-folded one; its last occurrence. */
function chosenMember(scan: StreamWriteScan): number {
  const names: string[] = [];
  for (const m of scan.members) if (!names.includes(m.name)) names.push(m.name);
  if (names.length === 0) return -1;
  const name = names.includes('resources') ? 'resources' : names[names.length - 1];
  for (let i = scan.members.length - 1; i >= 0; i--) if (scan.members[i].name === name) return i;
  return -1;
}

const isCompact = (firstNewline: number, size: number) => firstNewline === -1 || firstNewline === size - 1;

/**
 * Writes to `sink` the bytes `writeState(parseState(source))` would produce (see the module comment),
 * with `serial`/`lineage` replaced when given. Throws `StateFormatError` with Terraform's texts for a
 * file Terraform would refuse; when a file has several problems, the one named may differ from the
 * whole-file parse's (see README, parity notes).
 */
export async function streamWriteState(
  source: StateByteSource, sink: (bytes: Buffer) => Promise<void> | void, options: StreamWriteOptions = {},
): Promise<StreamWriteResult> {
  const plans: MemberPlan[] = [];
  let syntaxProblem = false;
  const scanner = new StreamWriteScanner((member, bytes, start, end) => {
    if (syntaxProblem) return;
    const plan = plans[member] ??= { groups: new Map(), tofu: false };
    try {
      planElement(plan, bytes, start, end);
    } catch (e) {
      if (!(e instanceof GoJsonSyntaxError)) throw e;
      syntaxProblem = true;
    }
  });
  for await (const chunk of source.chunks()) scanner.push(chunk);
  const scan = scanner.finish();
  if (scan.failed || syntaxProblem || scan.size !== source.size) return writeWhole(source, sink, options);

  const chosen = chosenMember(scan);
  const member = chosen >= 0 ? scan.members[chosen] : undefined;
  const plan = (member?.isArray ? plans[chosen] : undefined) ?? { groups: new Map<string, Group>(), tofu: false };
  let skeleton: Buffer;
  if (member?.isArray) {
    const before = await source.read(0, member.start);
    const after = await source.read(member.end, source.size);
    skeleton = Buffer.concat([before, Buffer.from('[]'), after]);
    // parseState tells Terraform's indented files from OpenTofu's compact ones by their newlines.
    if (!isCompact(scan.firstNewline, scan.size) && isCompact(skeleton.indexOf(0x0a), skeleton.length)) {
      skeleton = Buffer.concat([before, Buffer.from('[\n]'), after]);
    }
  } else {
    skeleton = await source.read(0, source.size); // no resources array: the file is all skeleton
  }
  const parse = (flavor?: StateFlavor) => parseState(skeleton, { terraformVersion: options.terraformVersion, ...(flavor ? { flavor } : {}) })!;
  let head = parse();
  if (head.version !== 4) return writeWhole(source, sink, options); // formats 1 to 3: upgraded from the whole file
  if (head.flavor !== 'opentofu' && plan.tofu) head = parse('opentofu');
  const flavor: StateFlavor = head.flavor ?? 'terraform';
  const out = options.writeFlavor ?? flavor;
  const state = identity(head, options);
  const whole = writeState({ ...state, resources: [] }, { flavor: out }).toString('latin1');
  const split = resourcesSplit(whole, out);
  const pre = whole.slice(0, split);
  await sink(Buffer.from(pre, 'latin1'));
  let size = pre.length;
  const groups = [...plan.groups.values()].sort(compareGroups);
  const indent = out !== 'opentofu';
  const mini = miniFrame(out);
  const reader = new WindowReader(source);
  for (let g = 0; g < groups.length; g++) {
    const parts: Buffer[] = [];
    for (const [s, e] of groups[g].spans) parts.push(await reader.read(s, e));
    const doc = Buffer.concat([Buffer.from('{"version":4,"resources":['), ...parts.flatMap((p, k) => (k > 0 ? [Buffer.from(','), p] : [p])), Buffer.from(']}')]);
    const one = parseState(doc, { terraformVersion: options.terraformVersion, flavor })!;
    const text = writeState({ ...mini.state, resources: one.resources }, { flavor: out }).toString('latin1');
    if (groups[g].bad || one.resources.length !== 1 || !text.startsWith(mini.pre) || !text.endsWith(mini.post)) {
      throw new Error('internal: a resource did not serialize as one element of the resources array');
    }
    const piece = (g > 0 ? ',' : '') + (indent ? '\n    ' : '') + text.slice(mini.pre.length, text.length - mini.post.length);
    await sink(Buffer.from(piece, 'latin1'));
    size += piece.length;
  }
  const post = (groups.length > 0 && indent ? '\n  ' : '') + whole.slice(split);
  await sink(Buffer.from(post, 'latin1'));
  size += post.length;
  return { head, size, ...identitySpans(pre, state), whole: false };
}

function compareGroups(a: Group, b: Group): number {
  if (a.bad !== b.bad) return a.bad ? -1 : 1;
  for (let k = 0; k < a.key.length; k++) {
    const c = compareGoStrings(a.key[k], b.key[k]);
    if (c !== 0) return c;
  }
  return a.order - b.order;
}

/** Offset just after the `[` of the top-level `"resources": []` in a written state. */
function resourcesSplit(text: string, flavor: StateFlavor): number {
  // Outputs come before resources and only check results after (whose keys are fixed): the last match is the member.
  const i = text.lastIndexOf(flavor === 'opentofu' ? '"resources":[]' : '"resources": []');
  if (i < 0) throw new Error('internal: no resources member in a written state');
  return text.indexOf('[', i) + 1;
}

/** A one-resource state's text before and after its resource, for cutting the resource out. */
function miniFrame(flavor: StateFlavor): { state: StateFile; pre: string; post: string } {
  const state: StateFile = { version: 4, terraform_version: '', serial: 0, lineage: '', outputs: {}, resources: [], check_results: null, ...(flavor === 'opentofu' ? { flavor } : {}) };
  const empty = writeState(state).toString('latin1');
  const split = resourcesSplit(empty, flavor);
  const indent = flavor !== 'opentofu';
  return { state, pre: empty.slice(0, split) + (indent ? '\n    ' : ''), post: (indent ? '\n  ' : '') + empty.slice(split) };
}

/** Spans of the `serial` and `lineage` values in the written head (both precede anything user-written). */
function identitySpans(pre: string, state: StateFile): { serialSpan: [number, number]; lineageSpan: [number, number] } {
  const value = (key: string, text: string) => {
    const k = pre.indexOf(`"${key}":`);
    let s = k + key.length + 3;
    while (pre[s] === ' ') s++;
    if (k < 0 || !pre.startsWith(text, s)) throw new Error(`internal: ${key} not found in the written head`);
    return [s, s + text.length] as [number, number];
  };
  return {
    serialSpan: value('serial', binary(marshalGoJson(state.serial, { numberStyle: 'cty' }))),
    lineageSpan: value('lineage', binary(marshalGoJson(state.lineage))),
  };
}

function identity(head: StateFile, options: StreamWriteOptions): StateFile {
  return {
    ...head,
    terraform_version: options.writtenTerraformVersion ?? head.terraform_version,
    serial: options.serial ?? head.serial,
    lineage: options.lineage ?? head.lineage,
  };
}

/** The whole-file path (formats 1 to 3; files the scan cannot follow): exact, not bounded. */
async function writeWhole(
  source: StateByteSource, sink: (bytes: Buffer) => Promise<void> | void, options: StreamWriteOptions,
): Promise<StreamWriteResult> {
  const head = parseState(await source.read(0, source.size), { terraformVersion: options.terraformVersion });
  if (!head) throw new Error('internal: an empty state file reached the rewrite');
  const state = identity(head, options);
  const out = options.writeFlavor ?? head.flavor ?? 'terraform';
  const bytes = writeState(state, { flavor: out });
  await sink(bytes);
  const text = bytes.toString('latin1');
  const pre = text.slice(0, resourcesSplit(writeState({ ...state, resources: [] }, { flavor: out }).toString('latin1'), out));
  return { head: { ...head, resources: [] }, size: bytes.length, ...identitySpans(pre, state), whole: true };
}

/** Reads spans through a window, so resources already in Terraform's order cost one read per window, others one per span. */
class WindowReader {
  private static readonly WINDOW = 4 * 1024 * 1024;
  private start = 0;
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly source: StateByteSource) {}

  public async read(start: number, end: number): Promise<Buffer> {
    if (start < this.start || end > this.start + this.buf.length) {
      // Forward (Terraform's own files are in its order): a window ahead. Backward: just the span.
      const ahead = start >= this.start + this.buf.length;
      this.start = start;
      this.buf = await this.source.read(start, ahead ? Math.min(this.source.size, Math.max(end, start + WindowReader.WINDOW)) : end);
    }
    return this.buf.subarray(start - this.start, end - this.start);
  }
}
