import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadBackendAttributes } from '../../src/cli/config';
import { dataDirPath, readRecordedBackend, selectWorkspace, writeSelectedWorkspace } from '../../src/cli/data-dir';
import { backendBlockHash } from '../../src/protocol/backend-change';

/**
 * Terraform's working-directory data (internal/command/workdir/backend_state.go BackendStateFile,
 * internal/command/meta.go WorkspaceOverridden / SetWorkspace). No server: nothing here reaches AWS.
 */

/** `.terraform/terraform.tfstate` as `terraform init` (v1.11.4) wrote it for a partial block plus -backend-config values. */
function recordedBackend(config: Record<string, unknown>, hash = 1828605330): string {
  const all: Record<string, unknown> = {
    access_key: null,
    acl: null,
    allowed_account_ids: null,
    assume_role: null,
    assume_role_with_web_identity: null,
    bucket: null,
    custom_ca_bundle: null,
    dynamodb_endpoint: null,
    dynamodb_table: null,
    ec2_metadata_service_endpoint: null,
    ec2_metadata_service_endpoint_mode: null,
    encrypt: null,
    endpoint: null,
    endpoints: { dynamodb: null, iam: null, s3: null, sso: null, sts: null },
    forbidden_account_ids: null,
    force_path_style: null,
    http_proxy: null,
    https_proxy: null,
    iam_endpoint: null,
    insecure: null,
    key: null,
    kms_key_id: null,
    max_retries: null,
    no_proxy: null,
    profile: null,
    region: null,
    retry_mode: null,
    secret_key: null,
    shared_config_files: null,
    shared_credentials_file: null,
    shared_credentials_files: null,
    skip_credentials_validation: null,
    skip_metadata_api_check: null,
    skip_region_validation: null,
    skip_requesting_account_id: null,
    skip_s3_checksum: null,
    sse_customer_key: null,
    sts_endpoint: null,
    sts_region: null,
    token: null,
    use_dualstack_endpoint: null,
    use_fips_endpoint: null,
    use_lockfile: null,
    use_path_style: null,
    workspace_key_prefix: null,
    ...config,
  };
  return JSON.stringify({ version: 3, terraform_version: '1.11.4', backend: { type: 's3', config: all, hash } }, null, 2);
}

function workingDir(opts: { block?: string; recorded?: string; dataDir?: string; environment?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-workdir-'));
  if (opts.block !== undefined) writeFileSync(join(dir, 'main.tf'), `terraform {\n  backend "s3" {\n${opts.block}\n  }\n}\n`);
  const data = join(dir, opts.dataDir ?? '.terraform');
  if (opts.recorded !== undefined || opts.environment !== undefined) mkdirSync(data, { recursive: true });
  if (opts.recorded !== undefined) writeFileSync(join(data, 'terraform.tfstate'), opts.recorded);
  if (opts.environment !== undefined) writeFileSync(join(data, 'environment'), opts.environment);
  return dir;
}

describe('the data directory', () => {
  test('.terraform under the working directory, or TF_DATA_DIR relative to it (Terraform changes directory first)', () => {
    expect(dataDirPath('/w', {})).toBe(resolve('/w', '.terraform'));
    expect(dataDirPath('/w', { TF_DATA_DIR: 'state-data' })).toBe(resolve('/w', 'state-data'));
    expect(dataDirPath('/w', { TF_DATA_DIR: '/elsewhere/data' })).toBe(resolve('/elsewhere/data'));
  });
});

describe('the backend configuration recorded by terraform init', () => {
  test('its attributes, with the unset (null) ones left out, nested objects kept', () => {
    const dir = workingDir({
      recorded: recordedBackend({
        bucket: 'b',
        key: 'a/terraform.tfstate',
        region: 'us-east-1',
        use_lockfile: true,
        endpoints: { dynamodb: null, iam: null, s3: 'http://127.0.0.1:9000', sso: null, sts: null },
      }),
    });
    const recorded = readRecordedBackend(join(dir, '.terraform'));
    expect(recorded?.attributes).toEqual({
      bucket: 'b',
      key: 'a/terraform.tfstate',
      region: 'us-east-1',
      use_lockfile: true,
      endpoints: { dynamodb: null, iam: null, s3: 'http://127.0.0.1:9000', sso: null, sts: null },
    });
  });

  test('none when the directory was not initialized, or initialized without a backend', () => {
    expect(readRecordedBackend(join(workingDir(), '.terraform'))).toBeUndefined();
    expect(readRecordedBackend(join(workingDir({ recorded: '{"version":3,"terraform_version":"1.11.4"}' }), '.terraform'))).toBeUndefined();
  });

  test.each([
    ['{"version":3,"backend":{"type":"local","config":{}}}', /initialized with a "local" backend; tfstate only works with the "s3" backend/],
    ['{"version":4,"terraform_version":"9.9.9"}', /unsupported backend state version 4; you may need to use Terraform CLI v9\.9\.9/],
    ['{"terraform_version":"1.11.4"}', /invalid syntax: no format version number/],
    ['{not json', /invalid syntax: /],
    ['{"version":3,"remote":{}}', /legacy remote state/],
    ['{"version":3,"state_store":{"type":"x"}}', /"state_store" block/],
  ])('%s is refused', (content, message) => {
    expect(() => readRecordedBackend(join(workingDir({ recorded: content }), '.terraform'))).toThrow(message);
  });
});

describe('loadBackendAttributes in an initialized directory', () => {
  const env = {};
  /** `init -backend-config=bucket=... -backend-config=region=...` on a block naming the key only: the hash is the block's. */
  const partial = { key: 'recorded/terraform.tfstate' };
  const recordedHash = backendBlockHash('s3', partial, JSON.parse(recordedBackend({})).backend.config)!;
  const initialized = (block: string, dataDir?: string) => workingDir({
    block,
    dataDir,
    recorded: recordedBackend({ ...partial, bucket: 'recorded-bucket', region: 'eu-west-1' }, recordedHash),
  });

  test('the recorded configuration (with init\'s -backend-config values) replaces the *.tf block; -backend-config still wins', async () => {
    const dir = initialized('    key = "recorded/terraform.tfstate"');
    const loaded = await loadBackendAttributes({ chdir: dir }, env);
    expect(loaded.attributes).toEqual({ bucket: 'recorded-bucket', key: 'recorded/terraform.tfstate', region: 'eu-west-1', endpoints: expect.any(Object) });
    expect(loaded.sources).toEqual([join(dir, '.terraform', 'terraform.tfstate')]);
    const flagged = await loadBackendAttributes({ chdir: dir, backendConfig: ['key=flag/terraform.tfstate'] }, env);
    expect(flagged.attributes.key).toBe('flag/terraform.tfstate');
    expect(flagged.attributes.bucket).toBe('recorded-bucket');
  });

  test('TF_DATA_DIR moves the data directory: the recorded configuration is found there only', async () => {
    const dir = initialized('    key = "recorded/terraform.tfstate"', 'custom-data');
    expect((await loadBackendAttributes({ chdir: dir }, { TF_DATA_DIR: 'custom-data' })).attributes.bucket).toBe('recorded-bucket');
    const uninitialized = await loadBackendAttributes({ chdir: dir }, {});
    expect(uninitialized.attributes).toEqual(partial);
    expect(uninitialized.sources).toEqual([join(dir, 'main.tf')]);
  });

  // internal/command/meta_backend.go, Meta.backendFromConfig: any command but init stops with
  // errBackendInitDiag when the block changed since init (hash and values both differ).
  test.each([
    ['the key changed', '    key = "moved/terraform.tfstate"', /Reason: Backend configuration block has changed \(the block in .*main\.tf is not the one "terraform init" recorded in .*terraform\.tfstate\)/],
    ['an attribute added', '    key = "recorded/terraform.tfstate"\n    kms_key_id = "alias/state"', /Reason: Backend configuration block has changed/],
  ])('%s: "Backend initialization required", nothing read', async (_why, block, reason) => {
    const err = await loadBackendAttributes({ chdir: initialized(block) }, env).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^Backend initialization required, please run "terraform init"\n\n/);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toMatch(/"-reconfigure" or "-migrate-state"/);
  });

  test('the block written another way with the same values is unchanged (backendConfigNeedsMigration compares values)', async () => {
    const dir = workingDir({
      block: '    bucket = "recorded-bucket"\n    key = "recorded/terraform.tfstate"\n    region = "eu-west-1"\n    encrypt = "true"',
      recorded: recordedBackend({ ...partial, bucket: 'recorded-bucket', region: 'eu-west-1', encrypt: true, endpoints: null }, recordedHash),
    });
    expect((await loadBackendAttributes({ chdir: dir }, env)).attributes.encrypt).toBe(true);
  });

  test('no backend block any more (or no configuration at all): "Unsetting the previously set backend"', async () => {
    const removed = initialized('');
    writeFileSync(join(removed, 'main.tf'), 'output "x" {\n  value = 1\n}\n');
    await expect(loadBackendAttributes({ chdir: removed }, env)).rejects.toThrow(/Reason: Unsetting the previously set backend "s3" \(no configuration file in .* has a backend block/);
    const bare = workingDir({ recorded: recordedBackend({ bucket: 'recorded-bucket' }) });
    await expect(loadBackendAttributes({ chdir: bare }, env)).rejects.toThrow(/Unsetting the previously set backend "s3"/);
  });

  test('another backend type: "Backend type changed"', async () => {
    const dir = initialized('');
    writeFileSync(join(dir, 'main.tf'), 'terraform {\n  backend "local" {}\n}\n');
    await expect(loadBackendAttributes({ chdir: dir }, env)).rejects.toThrow(/Reason: Backend type changed from "s3" to "local"/);
  });

  // Meta.backendFromConfig: a cloud block is a backend of type "cloud" (determineInitReason,
  // cloud.ConfigMigrationIn, errBackendInitCloudDiag); a state_store block is the case "Migration from
  // backend to state store" (errBackendToStateStoreInitDiag).
  test('a cloud or state_store block where init recorded the s3 backend: Terraform\'s headings and reasons', async () => {
    const toCloud = initialized('');
    writeFileSync(join(toCloud, 'main.tf'), 'terraform {\n  cloud {\n    organization = "acme"\n  }\n}\n');
    const cloudErr = await loadBackendAttributes({ chdir: toCloud }, env).catch((e: Error) => e);
    expect((cloudErr as Error).message).toMatch(/^HCP Terraform or Terraform Enterprise initialization required: please run "terraform init"\n\nReason: Changed from backend "s3" to HCP Terraform \(the cloud block in .*main\.tf is not/);
    const toStore = initialized('');
    writeFileSync(join(toStore, 'main.tf'), 'terraform {\n  state_store "fs" {\n    provider "local" {}\n  }\n}\n');
    const storeErr = await loadBackendAttributes({ chdir: toStore }, env).catch((e: Error) => e);
    expect((storeErr as Error).message).toMatch(/^Backend initialization required, please run "terraform state migrate" or "terraform init -reconfigure"\n\nReason: Migrating from backend "s3" to state store "fs" \(the state_store block in/);
    expect((storeErr as Error).message).toMatch(/Nothing was read or written\.$/);
  });

  test('a block that does not parse is reported, as Terraform loads the configuration first', async () => {
    await expect(loadBackendAttributes({ chdir: initialized('    key = = "not HCL"') }, env)).rejects.toThrow(/Cannot parse .*main\.tf as HCL/);
  });
});

describe('the selected workspace (Meta.WorkspaceOverridden), -workspace first', () => {
  const data = (environment?: string) => join(workingDir({ environment }), '.terraform');

  test('precedence: -workspace, TF_WORKSPACE, the environment file (trimmed), default', () => {
    const dir = data('  staging\n');
    expect(selectWorkspace('flag', dir, { TF_WORKSPACE: 'env' })).toEqual({ name: 'flag', source: 'flag' });
    expect(selectWorkspace(undefined, dir, { TF_WORKSPACE: 'env' })).toEqual({ name: 'env', source: 'TF_WORKSPACE' });
    expect(selectWorkspace(undefined, dir, {})).toEqual({ name: 'staging', source: 'data dir' });
    expect(selectWorkspace(undefined, data('\n'), {})).toEqual({ name: 'default', source: 'default' });
    expect(selectWorkspace(undefined, data(), { TF_WORKSPACE: '' })).toEqual({ name: 'default', source: 'default' });
  });

  test('invalid names are refused with Terraform\'s texts', () => {
    expect(() => selectWorkspace('a/b', data(), {})).toThrow(/The workspace name "a\/b" is not allowed. The name must contain only URL safe\ncharacters/);
    expect(() => selectWorkspace(undefined, data(), { TF_WORKSPACE: 'a b' })).toThrow(/^Invalid workspace name set using TF_WORKSPACE/);
    const dir = data('bad/name');
    expect(() => selectWorkspace(undefined, dir, {})).toThrow(
      `Invalid workspace name: The selected workspace described in "${join(dir, 'environment')}" has an invalid name.`);
    // `workspace select` may run in that state, to recover from it.
    expect(selectWorkspace(undefined, dir, {}, true).name).toBe('bad/name');
  });

  test('writeSelectedWorkspace creates the data directory and writes the bare name, as SetWorkspace', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tf-select-')), 'nested', '.terraform');
    writeSelectedWorkspace(dir, 'dev');
    expect(readFileSync(join(dir, 'environment'), 'utf8')).toBe('dev');
    expect(selectWorkspace(undefined, dir, {}).name).toBe('dev');
  });
});
