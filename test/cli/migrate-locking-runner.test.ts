import { MigrateLockingOptions, MigrateLockingPorts, runMigrateLocking } from '../../src/cli/commands/migrate-locking';
import { RedactionMarkerScanner, redactPulledState } from '../../src/cli/commands/redact';
import { CliError, EXIT } from '../../src/cli/output';

// The command's order of checks and writes, with in-memory ports (no AWS, no files): the wiring to
// the client is the lead's; these tests pin down what runs, in which order, and what never runs.

const MAIN_TF = 'terraform {\n  backend "s3" {\n    bucket         = "b"\n    key            = "k"\n    dynamodb_table = "t"\n  }\n}\n';

function fakes(over: Partial<MigrateLockingPorts> = {}) {
  const calls: string[] = [];
  const lines: string[] = [];
  const files: Record<string, string> = { 'main.tf': MAIN_TF, 'variables.tf': 'variable "x" {}\n' };
  const ports: MigrateLockingPorts = {
    listWorkspaces: async () => ['default', 'dev'],
    dynamodbLockHolder: async (id) => (calls.push(`lock-item ${id}`), undefined),
    lockFileHolder: async (key) => (calls.push(`lock-file ${key}`), undefined),
    probeConditionalWrites: async () => (calls.push('probe'), { ok: true, detail: '8 writers, 1 winner' }),
    deleteDigestItem: async (id) => (calls.push(`delete ${id}`), id.startsWith('b/k')),
    readTfFiles: async () => Object.entries(files).map(([name, text]) => ({ name, text })),
    writeTfFile: async (_dir, name, text) => {
      calls.push(`write ${name}`);
      files[name] = text;
    },
    out: (line) => lines.push(line),
    ...over,
  };
  return { ports, calls, lines, files };
}

const OPTS: MigrateLockingOptions = {
  phase: 'both',
  chdir: 'infra',
  config: { bucket: 'b', key: 'k', dynamodbTable: 't' },
  snippet: { bucket: 'b', key: 'k', region: 'eu-west-1', dynamodbTable: 't' },
};

async function failure(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (e) {
    return e as CliError;
  }
  throw new Error('expected a failure');
}

describe('runMigrateLocking', () => {
  test('phase "both" checks every workspace lock, probes, then rewrites the file', async () => {
    const { ports, calls, files } = fakes();
    await runMigrateLocking(OPTS, ports);
    expect(calls).toEqual([
      'lock-item b/k', 'lock-item b/env:/dev/k', 'lock-file k.tflock', 'lock-file env:/dev/k.tflock', 'probe', 'write main.tf',
    ]);
    expect(files['main.tf']).toContain('    dynamodb_table = "t"\n    use_lockfile   = true\n');
  });

  test('phase "lockfile-only" removes dynamodb_table and deletes the digest items after the checks', async () => {
    const { ports, calls, files, lines } = fakes();
    files['main.tf'] = MAIN_TF.replace('    dynamodb_table = "t"\n', '    dynamodb_table = "t"\n    use_lockfile   = true\n');
    await runMigrateLocking({ ...OPTS, phase: 'lockfile-only', config: { ...OPTS.config, useLockfile: true } }, ports);
    expect(calls.slice(-3)).toEqual(['write main.tf', 'delete b/k-md5', 'delete b/env:/dev/k-md5']);
    expect(files['main.tf']).not.toContain('dynamodb_table');
    expect(lines.join('\n')).toContain('Deleted 1 stale digest item (1 did not exist)');
  });

  test('-dry-run prints the steps and the file change and calls nothing that reads locks or writes', async () => {
    const { ports, calls, lines, files } = fakes();
    await runMigrateLocking({ ...OPTS, dryRun: true }, ports);
    expect(calls).toEqual([]);
    expect(files['main.tf']).toBe(MAIN_TF);
    const text = lines.join('\n');
    expect(text).toMatch(/1\. Check that no lock is held/);
    expect(text).toContain('added use_lockfile = true after dynamodb_table (line 5)');
  });

  test('without -chdir the new backend block is printed, and no file is read or written', async () => {
    const { ports, calls, lines } = fakes({ readTfFiles: async () => { throw new Error('must not read'); } });
    await runMigrateLocking({ ...OPTS, chdir: undefined, phase: 'lockfile-only', config: { ...OPTS.config, useLockfile: true } }, ports);
    expect(calls.some((c) => c.startsWith('write'))).toBe(false);
    const printed = lines.join('\n');
    expect(printed).toContain('use_lockfile = true');
    expect(printed).not.toContain('dynamodb_table');
  });

  test('a held lock stops the migration before the probe and any write, with the holder named', async () => {
    const holder = { ID: 'abc', Operation: 'OperationTypeApply', Info: '', Who: 'ci@runner', Version: '1.10.0', Created: '2026-12-01T10:00:00Z', Path: 'b/k' };
    const { ports, calls } = fakes({ lockFileHolder: async (key) => (key === 'env:/dev/k.tflock' ? { lockInfo: holder } : undefined) });
    const error = await failure(runMigrateLocking(OPTS, ports));
    expect(error.exitCode).toBe(EXIT.LOCKED);
    expect(error.message).toMatch(/env:\/dev\/k\.tflock is held by ci@runner.*force-unlock abc/);
    expect(calls).not.toContain('probe');
    expect(calls.some((c) => c.startsWith('write'))).toBe(false);
  });

  test('a lock whose body is not LockInfo is still a held lock: refused, with the reason instead of a holder', async () => {
    const calls: string[] = [];
    const { ports } = fakes({
      dynamodbLockHolder: async (id) => (calls.push(`lock-item ${id}`), id === 'b/k' ? { problem: 'the lock\'s body is not LockInfo JSON (unexpected end)' } : undefined),
      probeConditionalWrites: async () => (calls.push('probe'), { ok: true, detail: '' }),
    });
    const error = await failure(runMigrateLocking(OPTS, ports));
    expect(error.exitCode).toBe(EXIT.LOCKED);
    expect(error.message).toMatch(/the DynamoDB lock b\/k is held, by an unknown holder: the lock's body is not LockInfo JSON \(unexpected end\)\. .*Nothing was changed/);
    expect(calls).toEqual(['lock-item b/k']);
  });

  test('the result says what was done (the -json output): checks, probe, file written, digests deleted and missing', async () => {
    const { ports, files } = fakes();
    files['main.tf'] = MAIN_TF.replace('    dynamodb_table = "t"\n', '    dynamodb_table = "t"\n    use_lockfile   = true\n');
    const result = await runMigrateLocking({ ...OPTS, phase: 'lockfile-only', config: { ...OPTS.config, useLockfile: true } }, ports);
    expect(result).toMatchObject({
      phase: 'lockfile-only',
      dryRun: false,
      locksChecked: { lockItems: 2, lockFiles: 2 },
      probe: { ok: true, detail: '8 writers, 1 winner' },
      file: { name: 'main.tf', written: true },
      digests: { deleted: ['b/k-md5'], missing: ['b/env:/dev/k-md5'] },
    });
    expect(result.snippet).toBeUndefined();
    const dry = await runMigrateLocking({ ...OPTS, dryRun: true, chdir: undefined }, fakes().ports);
    expect(dry).toMatchObject({ dryRun: true, snippet: expect.stringContaining('use_lockfile') });
    expect(dry.probe).toBeUndefined();
  });

  test('a directory whose backend block cannot be edited is a usage error naming the problem, before any request', async () => {
    const { ports, calls, files } = fakes();
    files['main.tf'] = 'terraform {\n  backend "gcs" {}\n}\n';
    const error = await failure(runMigrateLocking(OPTS, ports));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(/^migrate-locking: main\.tf: the backend is "gcs", not "s3".*Nothing was changed\.$/);
    expect(calls).toEqual([]);
  });

  test('a bucket that lets two conditional writers win stops the migration before any write', async () => {
    const { ports, calls } = fakes({ probeConditionalWrites: async () => ({ ok: false, detail: '3 of 8 writers won' }) });
    const error = await failure(runMigrateLocking(OPTS, ports));
    expect(error.message).toMatch(/does not honour conditional writes \(3 of 8 writers won\).*Nothing was changed/);
    expect(calls.some((c) => c.startsWith('write'))).toBe(false);
  });

  test('with -chdir, settings that come from -backend-config are refused: the file edit would not take effect', async () => {
    const partial = fakes();
    partial.files['main.tf'] = 'terraform {\n  backend "s3" {}\n}\n';
    const error = await failure(runMigrateLocking(OPTS, partial.ports));
    expect(error.message).toMatch(/dynamodb_table is set by -backend-config, not in main\.tf/);
    const overridden = fakes();
    const error2 = await failure(runMigrateLocking({ ...OPTS, overridden: ['use_lockfile'] }, overridden.ports));
    expect(error2.message).toMatch(/use_lockfile is set by -backend-config/);
    expect([...partial.calls, ...overridden.calls]).toEqual([]);
  });

  test('a configuration with nothing to migrate is a usage error', async () => {
    const { ports } = fakes();
    const error = await failure(runMigrateLocking({ ...OPTS, chdir: undefined, config: { bucket: 'b', key: 'k', useLockfile: true } }, ports));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(/already locks with the S3 lock file alone/);
  });
});

describe('redactPulledState', () => {
  test('returns the redacted bytes and a summary for stderr', () => {
    const state = '{"version":4,"serial":1,"lineage":"l","outputs":{"p":{"value":"s3cret","type":"string","sensitive":true}},"resources":[]}';
    const { bytes, summary } = redactPulledState(Buffer.from(state));
    expect(bytes.toString()).toBe(state.replace('"s3cret"', '"(sensitive value)"'));
    expect(summary).toMatch(/^Redacted 1 sensitive value /);
  });

  test('a state that cannot be redacted is a CLI error naming the problem', () => {
    expect(() => redactPulledState(Buffer.from('{"version": 3}'))).toThrow(/pull -redact: Only version 4 states/);
  });
});

describe('RedactionMarkerScanner (push\'s warning)', () => {
  test('finds the marker inside a chunk and split across chunks, and nothing in a state without it', () => {
    const whole = new RedactionMarkerScanner();
    whole.feed(Buffer.from('{"value": "(sensitive value)"}'));
    expect(whole.found).toBe(true);
    const split = new RedactionMarkerScanner();
    for (const part of ['{"value": "(sensi', 'tive', ' value)"}']) split.feed(Buffer.from(part));
    expect(split.found).toBe(true);
    const clean = new RedactionMarkerScanner();
    for (const part of ['{"value": "(sensi', 'tive value)', ' "}', '(sensitive value)']) clean.feed(Buffer.from(part));
    expect(clean.found).toBe(false);
  });
});
