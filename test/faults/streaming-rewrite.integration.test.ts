/**
 * The streamed push (states above 8 MiB) stores what the whole-state push stores: the pushed state as
 * Terraform's statefile.Write writes it (internal/states/statefile/version4.go writeStateV4 via
 * json.MarshalIndent(stateV4, "", "  "): key order, resources sorted and merged by address, raw
 * attributes re-indented and HTML-escaped, `each` dropped), or OpenTofu's compact form, with only
 * serial/lineage set by the push rules, as a multipart upload of bounded parts and in bounded memory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultBackend, faultBackend } from './support';
import { writeSyntheticState } from '../../bench/synthetic-state';
import { isInvalidStateError, isStateConflictError } from '../../src/client';
import { PART_SIZE_BYTES } from '../../src/client/private/streaming-write';
import { parseState, writeState } from '../../src/protocol/state';
import { testServers } from '../support/servers';

const MiB = 1024 * 1024;

/** A large state far from Terraform's form: unsorted, one address in two blocks, `each`, awkward raw JSON, odd whitespace. */
function awkwardState(bytes: number, opts: { compact?: boolean; lineage?: string; serial?: number; badAt?: number } = {}): Buffer {
  const sp = opts.compact ? '' : '\n ';
  const blob = 'y'.repeat(60 * 1024);
  const resources: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const name = `r${String(100000 - i)}`; // written in reverse of Terraform's order
    const provider = opts.compact && i === 3 ? ',"provider":"provider[\\"registry.opentofu.org/hashicorp/null\\"][\\"a\\"]"' : '';
    const key = opts.badAt === i ? 1 : i;
    const r = `{"mode":"managed","type":"null_resource","name":"${name}","each":"list","provider":"provider[\\"registry.terraform.io/hashicorp/null\\"]",`
      + `${sp}"instances":[{"index_key":${key}${provider},"attributes":{ "id" : "${i}", "n": 1.0, "f": 0.1000000000000000055511151231257827, "big": 18446744073709551616,`
      + `${sp}"html": "<a&b>", "e": "\\u00e9\\/", "blob": "${blob}" },"sensitive_attributes":null}]}`;
    resources.push(r);
    size += r.length;
  }
  // The first resource again, one block later: Terraform merges the instances of one address.
  resources.push('{"mode":"managed","type":"null_resource","name":"r100000","provider":"provider[\\"registry.terraform.io/hashicorp/null\\"]","instances":[{"index_key":"extra","attributes":{}}]}');
  const head = `{${sp}"version": 4,${sp}"terraform_version":"1.9.0",${sp}"serial":${opts.serial ?? 5},${sp}"lineage":"${opts.lineage ?? 'push-lineage'}",`
    + `${sp}"outputs":{"z":{"value":1.50,"type":"number"},"a":{"value":{"k":[1,"<"]},"type":["object",{"k":["tuple",["number","string"]]}],"sensitive":true}},`;
  return Buffer.from(`${head}${sp}"resources":[${resources.join(`,${sp}`)}],${sp}"check_results":null}\n`);
}

/** The whole-state path's bytes for `file` with the given identity. */
function wholeForm(file: Buffer, serial: number, lineage: string): string {
  return writeState({ ...parseState(file)!, serial, lineage }).toString('latin1');
}

describe('streamed push writes the whole-state path\'s bytes', () => {
  let b: FaultBackend;
  let dir: string;
  beforeAll(async () => {
    b = await faultBackend('dynamodb');
    dir = mkdtempSync(join(tmpdir(), 'streaming-rewrite-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await b.close();
  });

  /** Streams the 12 MiB awkward state into the empty workspace `key`; the stored bytes (each test its own, so it passes alone). */
  async function seed(key: string): Promise<Buffer> {
    const file = join(dir, `seed-${key.split('/')[0]}.tfstate`);
    writeFileSync(file, awkwardState(12 * MiB));
    await b.client({}, { key }).pushStateFromFile(file);
    return (await b.rawGet(key))!;
  }

  test('a 12 MiB state not in Terraform\'s form: stored bytes === the whole-state push\'s (lineage aside), multipart as before', async () => {
    const text = awkwardState(12 * MiB);
    const file = join(dir, 'awkward.tfstate');
    writeFileSync(file, text);
    const streamedClient = b.client();
    await streamedClient.pushStateFromFile(file);
    const stored = (await b.rawGet(b.key))!;
    const lineage = parseState(stored)!.lineage;
    expect(lineage).not.toBe('push-lineage');
    expect(stored.toString('latin1')).toBe(wholeForm(text, 1, lineage));
    // The same request pattern as the splice it replaces: one multipart upload of 8 MiB parts.
    expect(streamedClient.requestCounts.s3.CreateMultipartUpload).toBe(1);
    expect(streamedClient.requestCounts.s3.UploadPart).toBe(Math.ceil(stored.length / PART_SIZE_BYTES));
    expect(streamedClient.requestCounts.s3.CompleteMultipartUpload).toBe(1);
    expect(streamedClient.requestCounts.s3.PutObject ?? 0).toBe(0);
    // The in-memory push of the same bytes into another workspace stores the same text.
    const other = 'other/terraform.tfstate';
    await b.client({}, { key: other }).pushState(text);
    const whole = (await b.rawGet(other))!;
    const otherLineage = parseState(whole)!.lineage;
    expect(stored.toString('latin1')).toBe(whole.toString('latin1').replace(JSON.stringify(otherLineage), JSON.stringify(lineage)));
  });

  test('same lineage and serial in another layout: the same state (its rewrite matches the stored MD5), nothing written', async () => {
    const key = 'same/terraform.tfstate';
    const stored = await seed(key);
    const { lineage, serial } = parseState(stored)!;
    const file = join(dir, 'same.tfstate');
    writeFileSync(file, awkwardState(12 * MiB, { lineage, serial }));
    const client = b.client({}, { key });
    await client.pushStateFromFile(file);
    expect(client.requestCounts.s3.UploadPart ?? 0).toBe(0);
    expect(client.requestCounts.s3.PutObject ?? 0).toBe(0);
    expect((await b.rawGet(key))!.equals(stored)).toBe(true);
  });

  test('same lineage and serial, other content: the semantic check (both rewrites blanked, compared by MD5) refuses it', async () => {
    const key = 'changed/terraform.tfstate';
    const stored = await seed(key);
    const { lineage, serial } = parseState(stored)!;
    const file = join(dir, 'changed.tfstate');
    writeFileSync(file, Buffer.from(awkwardState(12 * MiB, { lineage, serial }).toString('latin1').replace('"n": 1.0', '"n": 2.0'), 'latin1'));
    const client = b.client({}, { key });
    const err = await client.pushStateFromFile(file).catch((e) => e);
    expect(isStateConflictError(err)).toBe(true);
    expect(err.message).toBe(`cannot overwrite existing state with serial ${serial} with a different state that has the same serial`);
    expect(client.requestCounts.s3.UploadPart ?? 0).toBe(0);
    expect((await b.rawGet(key))!.equals(stored)).toBe(true);
  });

  test('an OpenTofu state (compact, a per-instance provider) stays compact with OpenTofu\'s fields', async () => {
    const text = awkwardState(10 * MiB, { compact: true });
    const file = join(dir, 'tofu.tfstate');
    writeFileSync(file, text);
    const key = 'tofu/terraform.tfstate';
    await b.client({}, { key }).pushStateFromFile(file);
    const stored = (await b.rawGet(key))!;
    expect(stored.indexOf(0x0a)).toBe(stored.length - 1);
    expect(parseState(stored)!.flavor).toBe('opentofu');
    expect(stored.toString('latin1')).toBe(wholeForm(text, 1, parseState(stored)!.lineage));
    expect(stored.toString('latin1')).toContain('"provider":"provider[\\"registry.opentofu.org/hashicorp/null\\"][\\"a\\"]"');
  });

  test('a problem deep in the resources is refused with Terraform\'s text before any upload', async () => {
    // Resource 150 (r99850) gets index 1, then takes the name of resource 1 (r99999, index 1): one
    // address with instance [1] twice, which Terraform's prepareStateV4 refuses.
    const text = awkwardState(10 * MiB, { badAt: 150 });
    const dup = Buffer.from(text.toString('latin1').replace('"name":"r99850"', '"name":"r99999"'), 'latin1');
    const file = join(dir, 'bad.tfstate');
    writeFileSync(file, dup);
    const key = 'bad/terraform.tfstate';
    const client = b.client({}, { key });
    const err = await client.pushStateFromFile(file).catch((e) => e);
    expect(isInvalidStateError(err)).toBe(true);
    expect(err.message).toContain('Duplicate resource instance in state: Instance null_resource.r99999[1] appears multiple times in the state file.');
    expect(client.requestCounts.s3.CreateMultipartUpload ?? 0).toBe(0);
    expect(await b.rawGet(key)).toBeUndefined();
    expect(await client.getLockInfo()).toBeUndefined();
  });

  test('memory: a 72 MiB state pushed under a 160 MiB heap ceiling, heap growth far below the state size', async () => {
    const file = join(dir, 'huge.tfstate');
    await writeSyntheticState(file, 72 * MiB, { serial: 3 });
    const key = 'huge/terraform.tfstate';
    const child = spawn(process.execPath, [
      '--max-old-space-size=160', '--expose-gc', '-r', 'ts-node/register/transpile-only',
      join(__dirname, 'stream-push-child.ts'), b.bucket, key, file,
    ], { env: { ...process.env, TFSTATE_TEST_SERVERS: JSON.stringify(testServers()), NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, err }).toEqual({ code: 0, err: '' });
    const r = JSON.parse(out) as { parts: number; baselineHeap: number; peakHeap: number };
    const stored = (await b.rawGet(key))!;
    expect(r.parts).toBe(Math.ceil(stored.length / PART_SIZE_BYTES));
    expect(stored.length).toBeGreaterThan(72 * MiB);
    // One resource at a time: what the heap holds beyond that is garbage between collections (about
    // 17 MiB measured); the whole-state path holds the file as objects and as text (over 2 x 72 MiB).
    expect(r.peakHeap - r.baselineHeap).toBeLessThan(36 * MiB);
    // The stored object is the source in Terraform's form: the synthetic file's resources are sorted already.
    const head = stored.subarray(0, 200).toString('latin1');
    expect(head.startsWith('{\n  "version": 4,\n  "terraform_version": "1.10.0",\n  "serial": 1,\n  "lineage": "')).toBe(true);
  }, 600_000);
});
