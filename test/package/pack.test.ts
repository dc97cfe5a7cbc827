import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The published tarball, installed the way a consumer installs it: the construct entry exposes the
 * jsii API, the client entry loads without aws-cdk-lib, and the client uses the consumer's own AWS SDK
 * (one copy, de-duplicated through the optional dependency) rather than a private one.
 *
 * Runs after `compile` in `npm run build`, so it packs the compiled lib/ of this working tree.
 */

const ROOT = resolve(__dirname, '..', '..');

function installedVersion(pkg: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 80_000 });
  } catch (e: any) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Runs in the consumer project, in a fresh Node process, and reports what it saw as JSON. */
const PROBE = `
const path = require('path');
const cdkFiles = () => Object.keys(require.cache).filter((f) => f.includes(path.sep + 'aws-cdk-lib' + path.sep));

const client = require('cdk-tfstate-backend/client');
const cdkAfterClient = cdkFiles();
const clientEntry = require.resolve('cdk-tfstate-backend/client');
const sdkSeenByClient = require.resolve('@aws-sdk/client-s3', { paths: [path.dirname(clientEntry)] });
const sdkSeenByConsumer = require.resolve('@aws-sdk/client-s3');

const main = require('cdk-tfstate-backend');
const cdkAfterMain = cdkFiles();

console.log(JSON.stringify({
  clientEntry,
  clientExports: Object.keys(client),
  cdkAfterClient,
  sdkSeenByClient,
  sdkSeenByConsumer,
  mainEntry: require.resolve('cdk-tfstate-backend'),
  stateBackendType: typeof main.StateBackend,
  lockingModes: main.LockingMode && Object.keys(main.LockingMode),
  cdkAfterMainCount: cdkAfterMain.length,
}));
`;

describe('npm package', () => {
  const lib = join(ROOT, 'lib');
  let work: string;
  let probe: any;
  let packedFiles: string[];

  beforeAll(() => {
    if (!existsSync(join(lib, 'index.js')) || !existsSync(join(lib, 'client', 'index.js'))) {
      throw new Error(`${lib}/index.js or ${lib}/client/index.js is missing: this test packs the compiled package. ` +
        'Run `npx projen compile` first (`npm run build` runs it before the tests).');
    }
    work = mkdtempSync(join(tmpdir(), 'tfstate-pack-'));
    const packed = JSON.parse(run('npm', ['pack', ROOT, '--pack-destination', work, '--json'], work));
    const tarball = join(work, packed[0].filename);
    packedFiles = packed[0].files.map((f: { path: string }) => f.path);

    const consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({
      name: 'scratch-consumer',
      version: '1.0.0',
      private: true,
      dependencies: {
        // The consumer's own SDK: the same major as ours, pinned to the version in the npm cache.
        '@aws-sdk/client-s3': installedVersion('@aws-sdk/client-s3'),
        'aws-cdk-lib': installedVersion('aws-cdk-lib'),
        'constructs': installedVersion('constructs'),
        'cdk-tfstate-backend': `file:${tarball}`,
      },
    }, null, 2));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], consumer);
    writeFileSync(join(consumer, 'probe.js'), PROBE);
    probe = JSON.parse(run(process.execPath, ['probe.js'], consumer));
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball ships compiled code and the jsii assembly, not sources or tests', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['lib/index.js', 'lib/index.d.ts', 'lib/client/index.js', 'lib/client/index.d.ts', '.jsii', 'package.json']));
    // The stale-lock monitor's Lambda asset (StateBackendMonitoring), compiled and self-contained.
    expect(packedFiles).toEqual(expect.arrayContaining(['lib/monitor-handler/monitor/stale-locks-handler.js', 'lib/monitor-handler/client/lock-report.js']));
    expect(packedFiles.filter((f) => /^(src|test|examples|scripts|bench)\//.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => /^lib\/.*\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('the main entry exposes the StateBackend construct from the installed tarball', () => {
    expect(probe.mainEntry).toContain(join('consumer', 'node_modules', 'cdk-tfstate-backend', 'lib', 'index.js'));
    expect(probe.stateBackendType).toBe('function');
    expect(probe.lockingModes).toEqual(expect.arrayContaining(['S3_LOCKFILE', 'DYNAMODB', 'BOTH']));
  });

  test('cdk-tfstate-backend/client loads without loading aws-cdk-lib', () => {
    expect(probe.clientEntry).toContain(join('node_modules', 'cdk-tfstate-backend', 'lib', 'client', 'index.js'));
    expect(probe.clientExports.length).toBeGreaterThan(0);
    expect(probe.cdkAfterClient).toEqual([]);
    // The probe can see aws-cdk-lib when it is loaded: the main entry does load it.
    expect(probe.cdkAfterMainCount).toBeGreaterThan(0);
  });

  test('the client resolves @aws-sdk/client-s3 to the consumer\'s own copy, not a private one', () => {
    expect(probe.sdkSeenByClient).toBe(probe.sdkSeenByConsumer);
    expect(probe.sdkSeenByConsumer).toContain(join('consumer', 'node_modules', '@aws-sdk', 'client-s3'));
    expect(existsSync(join(work, 'consumer', 'node_modules', 'cdk-tfstate-backend', 'node_modules', '@aws-sdk'))).toBe(false);
  });
});
