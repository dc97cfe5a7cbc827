import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * The published tarball, installed the two ways a consumer installs it:
 *
 * - full (`npm install`): the construct entry exposes the jsii API without loading the AWS SDK, the
 *   client entry loads without aws-cdk-lib, and the client uses the consumer's own AWS SDK (one copy,
 *   de-duplicated through the optional dependencies) rather than a private one;
 * - lean (`npm install --omit=optional`, a CDK-only project): no SDK at all; the construct and
 *   `tfstate --help` work, and the client fails with an error naming the packages to install.
 *
 * Packs the compiled lib/ and .jsii of this working tree: run `npx projen compile` first (jsii, then
 * the runtime tsc); `npm run build` does it before the tests. Both installs run at once, from npm's
 * cache when it has the packages (`--prefer-offline`).
 */

const ROOT = resolve(__dirname, '..', '..');
const SDK_PACKAGES = ['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sts', '@aws-sdk/client-cloudformation', '@aws-sdk/client-iam', '@aws-sdk/client-kms', '@aws-sdk/credential-providers'];
const execFileAsync = promisify(execFile);

function installedVersion(pkg: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await execFileAsync(cmd, args, { cwd, encoding: 'utf8', timeout: 150_000, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs `script` in a fresh Node process in `cwd` and parses the JSON it prints. */
async function probe(cwd: string, script: string): Promise<any> {
  return JSON.parse(await run(process.execPath, ['-e', script], cwd));
}

const LOADED = `
const path = require('path');
const loaded = (dir) => Object.keys(require.cache).filter((f) => f.includes(path.sep + dir + path.sep));
`;

/** The construct entry alone: what it exposes and what it loads. */
const PROBE_MAIN = `${LOADED}
const main = require('cdk-tfstate-backend');
console.log(JSON.stringify({
  mainEntry: require.resolve('cdk-tfstate-backend'),
  stateBackendType: typeof main.StateBackend,
  lockingModes: main.LockingMode && Object.keys(main.LockingMode),
  cdkCount: loaded('aws-cdk-lib').length,
  sdkFiles: loaded('@aws-sdk').concat(loaded('@smithy')),
}));
`;

/** The client entry alone: what it exposes and what it loads, or how it fails. */
const PROBE_CLIENT = `${LOADED}
let client;
try {
  client = require('cdk-tfstate-backend/client');
} catch (e) {
  console.log(JSON.stringify({ error: e.message, code: e.code }));
  process.exit(0);
}
const clientEntry = require.resolve('cdk-tfstate-backend/client');
console.log(JSON.stringify({
  clientEntry,
  clientExports: Object.keys(client),
  cdkFiles: loaded('aws-cdk-lib'),
  sdkCount: loaded('@aws-sdk').length,
  sdkSeenByClient: require.resolve('@aws-sdk/client-s3', { paths: [path.dirname(clientEntry)] }),
  sdkSeenByConsumer: require.resolve('@aws-sdk/client-s3'),
}));
`;

async function installConsumer(work: string, name: string, tarball: string, deps: Record<string, string>, flags: string[]): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: `scratch-${name}`,
    version: '1.0.0',
    private: true,
    dependencies: {
      ...deps,
      'aws-cdk-lib': installedVersion('aws-cdk-lib'),
      'constructs': installedVersion('constructs'),
      'cdk-tfstate-backend': `file:${tarball}`,
    },
  }, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...flags], dir);
  return dir;
}

describe('npm package', () => {
  const lib = join(ROOT, 'lib');
  let work: string;
  let packedFiles: string[];
  let packedManifest: any;
  let full: { dir: string; main: any; client: any };
  let lean: { dir: string; main: any; client: any };

  beforeAll(async () => {
    for (const f of [join(lib, 'index.js'), join(lib, 'client', 'index.js'), join(lib, 'cli', 'main.js'), join(ROOT, '.jsii')]) {
      if (!existsSync(f)) {
        throw new Error(`${f} is missing: this test packs the compiled package. ` +
          'Run `npx projen compile` first (`npm run build` runs it before the tests).');
      }
    }
    work = mkdtempSync(join(tmpdir(), 'tfstate-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', ROOT, '--pack-destination', work, '--json'], { cwd: work, encoding: 'utf8' }));
    const tarball = join(work, packed[0].filename);
    packedFiles = packed[0].files.map((f: { path: string }) => f.path);
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/package.json']);
    packedManifest = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8'));

    const [fullDir, leanDir] = await Promise.all([
      // The consumer's own SDK: the same major as ours, pinned to the version in the npm cache.
      installConsumer(work, 'full', tarball, { '@aws-sdk/client-s3': installedVersion('@aws-sdk/client-s3') }, []),
      installConsumer(work, 'lean', tarball, {}, ['--omit=optional']),
    ]);
    const [fullMain, fullClient, leanMain, leanClient] = await Promise.all([
      probe(fullDir, PROBE_MAIN), probe(fullDir, PROBE_CLIENT), probe(leanDir, PROBE_MAIN), probe(leanDir, PROBE_CLIENT),
    ]);
    full = { dir: fullDir, main: fullMain, client: fullClient };
    lean = { dir: leanDir, main: leanMain, client: leanClient };
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball ships compiled code and the jsii assembly, not sources or tests', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', 'lib/client/index.js', 'lib/client/index.d.ts', 'lib/cli/main.js', '.jsii', 'package.json']));
    // The stale-lock monitor's Lambda asset (StateBackendMonitoring), compiled and self-contained.
    expect(packedFiles).toEqual(expect.arrayContaining(['lib/monitor-handler/monitor/stale-locks-handler.js', 'lib/monitor-handler/client/lock-report.js']));
    expect(packedFiles.filter((f) => /^(src|test|examples|scripts|bench)\//.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => /^lib\/.*\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('the AWS SDK is an optional dependency only: never a dependency, never bundled', () => {
    const sdk = (names: string[] = []) => names.filter((n) => n.startsWith('@aws-sdk/'));
    expect(sdk(Object.keys(packedManifest.optionalDependencies ?? {})).sort()).toEqual([...SDK_PACKAGES].sort());
    expect(sdk(Object.keys(packedManifest.dependencies ?? {}))).toEqual([]);
    expect(sdk(packedManifest.bundledDependencies ?? packedManifest.bundleDependencies ?? [])).toEqual([]);
    expect(sdk(Object.keys(packedManifest.peerDependencies ?? {}))).toEqual([]);
    expect(packedFiles.filter((f) => f.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });

  describe('full install (npm install)', () => {
    test('the main entry exposes the StateBackend construct and loads aws-cdk-lib but no AWS SDK module', () => {
      expect(full.main.mainEntry).toContain(join('full', 'node_modules', 'cdk-tfstate-backend', 'lib', 'index.js'));
      expect(full.main.stateBackendType).toBe('function');
      expect(full.main.lockingModes).toEqual(expect.arrayContaining(['S3_LOCKFILE', 'DYNAMODB', 'BOTH']));
      expect(full.main.cdkCount).toBeGreaterThan(0);
      expect(full.main.sdkFiles).toEqual([]);
    });

    test('cdk-tfstate-backend/client loads the SDK but not aws-cdk-lib', () => {
      expect(full.client.clientEntry).toContain(join('node_modules', 'cdk-tfstate-backend', 'lib', 'client', 'index.js'));
      expect(full.client.clientExports).toEqual(expect.arrayContaining(['StateClient', 'isStateLockedError']));
      expect(full.client.cdkFiles).toEqual([]);
      // The probe sees SDK modules when they are loaded: the client does load them.
      expect(full.client.sdkCount).toBeGreaterThan(0);
    });

    test('the client resolves @aws-sdk/client-s3 to the consumer\'s own copy, not a private one', () => {
      expect(full.client.sdkSeenByClient).toBe(full.client.sdkSeenByConsumer);
      expect(full.client.sdkSeenByConsumer).toContain(join('full', 'node_modules', '@aws-sdk', 'client-s3'));
      expect(existsSync(join(full.dir, 'node_modules', 'cdk-tfstate-backend', 'node_modules', '@aws-sdk'))).toBe(false);
    });
  });

  describe('lean install (npm install --omit=optional)', () => {
    test('no AWS SDK package is installed', () => {
      for (const name of SDK_PACKAGES) expect(existsSync(join(lean.dir, 'node_modules', name))).toBe(false);
    });

    test('the main entry still exposes the StateBackend construct, without any SDK', () => {
      expect(lean.main.stateBackendType).toBe('function');
      expect(lean.main.sdkFiles).toEqual([]);
    });

    test('importing the client fails with an error naming every SDK package to install', () => {
      expect(lean.client.code).toBe('AWS_SDK_NOT_INSTALLED');
      expect(lean.client.error).toContain(`npm install ${SDK_PACKAGES.join(' ')}`);
      expect(lean.client.error).toMatch(/--omit=optional/);
    });

    test('tfstate --help works; a command that needs AWS fails with the same error, exit 1', async () => {
      const bin = join(lean.dir, 'node_modules', 'cdk-tfstate-backend', 'lib', 'cli', 'main.js');
      const help = await run(process.execPath, [bin, '--help'], lean.dir);
      expect(help).toMatch(/^Usage: tfstate /);
      const pull = await execFileAsync(process.execPath, [bin, 'pull', '-backend-config', 'bucket=b', '-backend-config', 'key=k'], { cwd: lean.dir })
        .then(() => ({ code: 0, stderr: '' }), (e: any) => ({ code: e.code, stderr: String(e.stderr) }));
      expect(pull.code).toBe(1);
      expect(pull.stderr).toContain('npm install @aws-sdk/client-s3');
    });
  });
});
