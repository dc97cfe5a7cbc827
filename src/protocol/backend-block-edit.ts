/**
 * Edits of the `backend "s3"` block of a Terraform configuration (or of a `-backend-config` file) that
 * change the named attributes and keep every other character of the file: comments, blank lines,
 * alignment, other blocks. Used by `tfstate migrate-locking -chdir DIR`.
 *
 * Rules:
 * - Exactly one `backend` block across the `terraform` blocks of the files given, and it must be `"s3"`
 *   (Terraform refuses duplicates too). A `cloud` block is refused.
 * - Setting an attribute that exists replaces its value expression only (a trailing comment stays).
 *   A new attribute goes on its own line after the `after` anchor, else after the last attribute, with
 *   the indentation of its siblings and its `=` aligned to the anchor's when the name fits (what
 *   `terraform fmt` does for a group; other lines are never realigned).
 * - Removing an attribute deletes its line(s); comment lines above it are kept (they are the author's).
 * - A single-line block (`backend "s3" {}`, common with partial configuration) is first opened into
 *   multi-line form; that is the only change to existing lines.
 * - The newline style (LF or CRLF) of the file is kept.
 */
import { HclAttribute, HclBlock, HclItem, HclScanError, scanHcl } from './hcl-scan';

/** Why an edit was refused; `code` is stable. */
export class BackendBlockError extends Error {
  /** `SYNTAX`, `NO_BACKEND`, `NOT_S3`, `DUPLICATE_BACKEND`, `DUPLICATE_ATTRIBUTE` or `LAYOUT`. */
  public readonly code: 'SYNTAX' | 'NO_BACKEND' | 'NOT_S3' | 'DUPLICATE_BACKEND' | 'DUPLICATE_ATTRIBUTE' | 'LAYOUT';

  constructor(code: BackendBlockError['code'], message: string) {
    super(message);
    this.name = 'BackendBlockError';
    this.code = code;
  }
}

/** What to change in a body. Values are HCL expressions, written as given (e.g. `true`, `"name"`). */
export interface AttributeEdit {
  /** Attributes to set, in order. */
  readonly set?: readonly (readonly [name: string, hclExpression: string])[];
  /** Attributes to remove. */
  readonly remove?: readonly string[];
  /** Where new attributes go: after this attribute when present. @default - after the last attribute */
  readonly after?: string;
}

/** The edited text and a line per change, for `-dry-run`. */
export interface EditResult {
  readonly text: string;
  readonly changed: boolean;
  readonly changes: readonly string[];
}

/** Where a file's `backend` block is. */
export interface BackendLocation {
  readonly type: string;
  readonly block: HclBlock;
}

function scan(text: string, file: string): HclItem[] {
  try {
    return scanHcl(text);
  } catch (e) {
    if (e instanceof HclScanError) throw new BackendBlockError('SYNTAX', `${file}: ${e.message}. Fix the file (terraform validate shows the error) and run again.`);
    throw e;
  }
}

/** The `backend` blocks of `terraform` blocks in `text` (any type), and whether a `cloud` block exists. */
export function findBackendBlocks(text: string, file = 'the file'): { backends: BackendLocation[]; cloud: boolean } {
  const backends: BackendLocation[] = [];
  let cloud = false;
  for (const item of scan(text, file)) {
    if (item.kind !== 'block' || item.type !== 'terraform') continue;
    for (const inner of item.items) {
      if (inner.kind !== 'block') continue;
      if (inner.type === 'cloud') cloud = true;
      if (inner.type === 'backend') backends.push({ type: inner.labels.join(' '), block: inner });
    }
  }
  return { backends, cloud };
}

/**
 * Which of a directory's `.tf` files holds the `backend "s3"` block.
 *
 * @throws BackendBlockError when none does, several do, the backend is not `s3`, or a `cloud` block is used
 */
export function findS3BackendFile(files: readonly { readonly name: string; readonly text: string }[]): string {
  const found: { name: string; type: string }[] = [];
  for (const f of files) {
    const { backends, cloud } = findBackendBlocks(f.text, f.name);
    if (cloud) throw new BackendBlockError('NOT_S3', `${f.name}: the configuration uses a "cloud" block (HCP Terraform), not the S3 backend; there is no locking to migrate.`);
    found.push(...backends.map((b) => ({ name: f.name, type: b.type })));
  }
  if (found.length === 0) {
    throw new BackendBlockError('NO_BACKEND', `No backend block in ${files.map((f) => f.name).join(', ') || 'the directory'}. Pass the directory of the root module with -chdir, or print the snippet without -chdir.`);
  }
  if (found.length > 1) {
    throw new BackendBlockError('DUPLICATE_BACKEND', `Duplicate backend configuration: ${found.map((b) => `backend "${b.type}" in ${b.name}`).join(', ')}. A module may have only one backend block; remove the others first.`);
  }
  if (found[0].type !== 's3') {
    throw new BackendBlockError('NOT_S3', `${found[0].name}: the backend is "${found[0].type}", not "s3"; migrate-locking only handles the S3 backend.`);
  }
  return found[0].name;
}

/** Applies `edit` to the body of the single `backend "s3"` block of a `.tf` file. */
export function editS3BackendBlock(text: string, edit: AttributeEdit, file = 'the file'): EditResult {
  const locate = (t: string): HclBlock => {
    const { backends } = findBackendBlocks(t, file);
    findS3BackendFile([{ name: file, text: t }]);
    return backends[0].block;
  };
  let current = text;
  const changes: string[] = [];
  let block = locate(current);
  if (!/\n/.test(current.slice(block.open, block.close))) {
    current = openSingleLineBlock(current, block, file);
    changes.push(`opened the single-line backend "s3" block on line ${lineOf(text, block.open)} into lines`);
    block = locate(current);
  }
  const result = editBody(current, block.items, { bodyStart: afterNewline(current, block.open), blockIndent: indentOf(current, block) }, edit);
  return { text: result.text, changed: result.text !== text, changes: [...changes, ...result.changes] };
}

/** Applies `edit` to the top-level attributes of a `-backend-config` file (`name = value` lines). */
export function editBackendConfigFile(text: string, edit: AttributeEdit, file = 'the file'): EditResult {
  const items = scan(text, file);
  const result = editBody(text, items, { bodyStart: 0, blockIndent: undefined }, edit);
  return { ...result, changed: result.text !== text };
}

interface BodyContext {
  /** Offset where a first attribute goes when the body has none. */
  readonly bodyStart: number;
  /** Indentation of the enclosing block's line; `undefined` at top level. */
  readonly blockIndent: string | undefined;
}

function editBody(text: string, items: readonly HclItem[], ctx: BodyContext, edit: AttributeEdit): { text: string; changes: string[] } {
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const attrs = items.filter((i): i is HclAttribute => i.kind === 'attribute');
  const byName = (name: string) => {
    const hits = attrs.filter((a) => a.name === name);
    if (hits.length > 1) {
      throw new BackendBlockError('DUPLICATE_ATTRIBUTE', `The attribute "${name}" is set ${hits.length} times (lines ${hits.map((a) => lineOf(text, a.nameStart)).join(', ')}); Terraform refuses that too. Keep one.`);
    }
    return hits[0];
  };
  const splices: { start: number; end: number; text: string }[] = [];
  const changes: string[] = [];
  const removed = new Set<string>();

  for (const name of edit.remove ?? []) {
    const a = byName(name);
    if (!a) continue;
    if (text.slice(a.lineStart, a.nameStart).trim() !== '') throw layout(text, a);
    const end = text.startsWith('\r\n', a.lineEnd) ? a.lineEnd + 2 : text[a.lineEnd] === '\n' ? a.lineEnd + 1 : a.lineEnd;
    splices.push({ start: a.lineStart, end, text: '' });
    removed.add(name);
    changes.push(`removed ${text.slice(a.nameStart, a.valueEnd)} (line ${lineOf(text, a.nameStart)})`);
  }

  const kept = attrs.filter((a) => !removed.has(a.name));
  const indent = kept.length > 0 || attrs.length > 0
    ? text.slice((kept[0] ?? attrs[0]).lineStart, (kept[0] ?? attrs[0]).nameStart)
    : siblingBlockIndent(text, items) ?? (ctx.blockIndent === undefined ? '' : ctx.blockIndent + '  ');
  const anchor = (edit.after !== undefined ? kept.find((a) => a.name === edit.after) : undefined) ?? kept[kept.length - 1];
  const inserts: string[] = [];
  for (const [name, value] of edit.set ?? []) {
    const a = byName(name);
    if (a && !removed.has(name)) {
      if (text.slice(a.valueStart, a.valueEnd) !== value) {
        splices.push({ start: a.valueStart, end: a.valueEnd, text: value });
        changes.push(`set ${name} = ${value} (was ${text.slice(a.valueStart, a.valueEnd)}, line ${lineOf(text, a.nameStart)})`);
      }
      continue;
    }
    const column = anchor ? anchor.equals - anchor.lineStart : 0;
    const gap = Math.max(1, column - indent.length - name.length);
    inserts.push(`${indent}${name}${' '.repeat(gap)}= ${value}${nl}`);
    changes.push(`added ${name} = ${value}${anchor ? ` after ${anchor.name} (line ${lineOf(text, anchor.nameStart)})` : ''}`);
  }
  if (inserts.length > 0) {
    let at = ctx.bodyStart;
    if (anchor) {
      if (text.slice(anchor.lineStart, anchor.nameStart).trim() !== '') throw layout(text, anchor);
      at = text.startsWith('\r\n', anchor.lineEnd) ? anchor.lineEnd + 2 : anchor.lineEnd + 1;
      if (anchor.lineEnd >= text.length) inserts.unshift(nl);
    }
    splices.push({ start: at, end: at, text: inserts.join('') });
  }

  let out = text;
  for (const s of splices.sort((x, y) => y.start - x.start || y.end - x.end)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return { text: out, changes };
}

/** `backend "s3" { a = 1 }` → the same with its body on its own lines. */
function openSingleLineBlock(text: string, block: HclBlock, file: string): string {
  const blockIndent = indentOf(text, block);
  if (blockIndent === undefined) {
    throw new BackendBlockError('LAYOUT', `${file}: the backend "s3" block on line ${lineOf(text, block.typeStart)} shares its line with other text; put it on lines of its own and run again.`);
  }
  const nl = text.includes('\r\n') ? '\r\n' : '\n';
  const inner = text.slice(block.open + 1, block.close).trim();
  const body = inner === '' ? nl : `${nl}${blockIndent}  ${inner}${nl}`;
  return text.slice(0, block.open + 1) + body + blockIndent + text.slice(block.close);
}

/** The whitespace before a block's type on its line, or `undefined` when other text precedes it. */
function indentOf(text: string, block: HclBlock): string | undefined {
  const before = text.slice(block.lineStart, block.typeStart);
  return before.trim() === '' ? before : undefined;
}

function siblingBlockIndent(text: string, items: readonly HclItem[]): string | undefined {
  const b = items.find((i): i is HclBlock => i.kind === 'block');
  return b ? indentOf(text, b) : undefined;
}

function afterNewline(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl + 1;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function layout(text: string, a: HclAttribute): BackendBlockError {
  return new BackendBlockError('LAYOUT', `The attribute "${a.name}" on line ${lineOf(text, a.nameStart)} shares its line with other text; put it on a line of its own and run again.`);
}
