import { backendBlockHash, backendChangeReason, crc32, sameAsRecorded, UNKNOWN_VALUE } from '../../src/protocol/backend-change';
import { S3_BACKEND_ATTRIBUTES } from '../../src/protocol/config';

/**
 * Whether a working directory's backend block still says what `terraform init` recorded
 * (hashicorp/terraform internal/command/meta_backend.go, Meta.backendFromConfig and
 * backendConfigNeedsMigration; internal/configs/backend.go, Backend.Hash; zclconf/go-cty
 * cty/set_internals.go, appendSetHashBytes). No server.
 */

/** The attribute set Terraform 1.11 records for the S3 backend (every attribute, `null` when unset). */
const TERRAFORM_1_11_KEYS = [
  'access_key', 'acl', 'allowed_account_ids', 'assume_role', 'assume_role_with_web_identity', 'bucket', 'custom_ca_bundle',
  'dynamodb_endpoint', 'dynamodb_table', 'ec2_metadata_service_endpoint', 'ec2_metadata_service_endpoint_mode', 'encrypt', 'endpoint',
  'endpoints', 'forbidden_account_ids', 'force_path_style', 'http_proxy', 'https_proxy', 'iam_endpoint', 'insecure', 'key', 'kms_key_id',
  'max_retries', 'no_proxy', 'profile', 'region', 'retry_mode', 'secret_key', 'shared_config_files', 'shared_credentials_file',
  'shared_credentials_files', 'skip_credentials_validation', 'skip_metadata_api_check', 'skip_region_validation',
  'skip_requesting_account_id', 'skip_s3_checksum', 'sse_customer_key', 'sts_endpoint', 'sts_region', 'token', 'use_dualstack_endpoint',
  'use_fips_endpoint', 'use_lockfile', 'use_path_style', 'workspace_key_prefix',
];

function recordedConfig(values: Record<string, unknown>): Record<string, unknown> {
  return { ...Object.fromEntries(TERRAFORM_1_11_KEYS.map((k) => [k, null])), ...values };
}

describe('the block hash (configs.Backend.Hash), against hashes Terraform wrote', () => {
  test('crc32 is Go\'s crc32.ChecksumIEEE', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  // hashicorp/terraform internal/command/testdata/backend-unchanged and
  // init-backend-selected-workspace-doesnt-exist-multi: `.terraform/terraform.tfstate` of a `local`
  // backend (schema: path, workspace_dir) with the main.tf beside it.
  test.each([
    [{ path: 'local-state.tfstate' }, 4282859327],
    [{}, 666019178],
  ])('local backend %j: %d (Terraform\'s own testdata)', (attributes, hash) => {
    const local = { path: 'string', workspace_dir: 'string' } as const;
    expect(backendBlockHash('local', attributes, { path: null, workspace_dir: null }, local)).toBe(hash);
  });

  // `.terraform/terraform.tfstate` files written by Terraform 1.11, published with their configuration.
  test('an S3 block written whole by cdktf (Terraform 1.11.3): 982998060', () => {
    const block = { bucket: 'zip-prod-cdktf-state', dynamodb_table: 'zip-cdktf-state_lockid', encrypt: true, key: 'cdktf.tfstate', region: 'us-east-2' };
    expect(backendBlockHash('s3', block, recordedConfig(block))).toBe(982998060);
  });

  test('a partial S3 block with `region = var.region` (an unknown value to Terraform\'s decoding), Terraform 1.11.0: 3772953468', () => {
    const recorded = recordedConfig({
      bucket: 's3-ec1-012345678910-tf-backend', encrypt: true, key: 'prod/eks-sg/terraform.tfstate', region: 'eu-central-1', use_lockfile: true,
    });
    const block = { key: 'prod/eks-sg/terraform.tfstate', region: UNKNOWN_VALUE };
    expect(backendBlockHash('s3', block, recorded)).toBe(3772953468);
    // The hash is of the block, before init's -backend-config values: the recorded values hash otherwise.
    expect(backendBlockHash('s3', { key: 'prod/eks-sg/terraform.tfstate', region: 'eu-central-1' }, recorded)).not.toBe(3772953468);
  });

  test('values are converted to the schema\'s types first (cty convert), sets hashed in order, maps and objects by key', () => {
    const config = recordedConfig({ endpoints: { dynamodb: null, iam: null, s3: null, sso: null, sts: null } });
    const typed = backendBlockHash('s3', { encrypt: true, max_retries: 3, allowed_account_ids: ['2', '1'], endpoints: { s3: 'http://s3' } }, config);
    const fromStrings = backendBlockHash('s3', { encrypt: 'true', max_retries: '3', allowed_account_ids: ['1', '2', '1'], endpoints: { s3: 'http://s3' } }, config);
    expect(typed).toBe(fromStrings);
    expect(typed).not.toBe(backendBlockHash('s3', { encrypt: false, max_retries: 3, allowed_account_ids: ['1', '2'], endpoints: { s3: 'http://s3' } }, config));
  });

  test('what is not reproduced byte for byte is not hashed: non-ASCII text, a fraction, an attribute the recorded schema lacks', () => {
    const config = recordedConfig({});
    expect(backendBlockHash('s3', { key: 'état/terraform.tfstate' }, config)).toBeUndefined();
    expect(backendBlockHash('s3', { max_retries: 2.5 }, config)).toBeUndefined();
    expect(backendBlockHash('s3', { state_tags: { a: 'b' } }, config)).toBeUndefined();
  });
});

describe('sameAsRecorded (backendConfigNeedsMigration: RawEquals of the decoded block and the recorded values)', () => {
  const recorded = recordedConfig({ bucket: 'b', key: 'k', encrypt: true, allowed_account_ids: ['1', '2'], max_retries: 3 });

  test('equal after conversion; sets as sets', () => {
    expect(sameAsRecorded({ bucket: 'b', key: 'k', encrypt: 'true', allowed_account_ids: ['2', '1'], max_retries: '3' }, recorded)).toBe(true);
  });

  test.each([
    ['a value changed', { bucket: 'b', key: 'other', encrypt: true, allowed_account_ids: ['1', '2'], max_retries: 3 }],
    ['an attribute removed', { bucket: 'b', key: 'k', allowed_account_ids: ['1', '2'], max_retries: 3 }],
    ['an attribute the recorded schema lacks', { bucket: 'b', key: 'k', encrypt: true, allowed_account_ids: ['1', '2'], max_retries: 3, lock_tags: { a: 'b' } }],
    ['a value of the wrong type', { bucket: 'b', key: 'k', encrypt: 'yes', allowed_account_ids: ['1', '2'], max_retries: 3 }],
  ])('%s: different', (_why, block) => {
    expect(sameAsRecorded(block, recorded)).toBe(false);
  });

  test('an expression has no value to compare: undecided', () => {
    expect(sameAsRecorded({ bucket: UNKNOWN_VALUE, key: 'other' }, recorded)).toBeUndefined();
  });
});

describe('backendChangeReason: Terraform\'s reason to require init, or none', () => {
  const block = { bucket: 'b', key: 'app/terraform.tfstate', region: 'eu-west-1' };
  const hash = backendBlockHash('s3', block, recordedConfig(block))!;

  test('unchanged: the hash matches, even where init\'s -backend-config values make the recorded values differ', () => {
    const withOverrides = recordedConfig({ ...block, use_lockfile: true, encrypt: true });
    expect(backendChangeReason({ type: 's3', attributes: block }, { type: 's3', config: withOverrides, hash })).toBeUndefined();
  });

  test('unchanged: the hash differs (another way of writing the same values) but the values are the recorded ones', () => {
    expect(backendChangeReason({ type: 's3', attributes: { ...block, encrypt: 'false' } }, { type: 's3', config: recordedConfig({ ...block, encrypt: false }), hash }))
      .toBeUndefined();
    expect(backendChangeReason({ type: 's3', attributes: block }, { type: 's3', config: recordedConfig(block) })).toBeUndefined();
  });

  test('changed: a value differs from what init hashed and recorded', () => {
    expect(backendChangeReason({ type: 's3', attributes: { ...block, key: 'moved/terraform.tfstate' } }, { type: 's3', config: recordedConfig(block), hash }))
      .toBe('Backend configuration block has changed');
    expect(backendChangeReason({ type: 's3', attributes: { ...block, kms_key_id: 'alias/x' } }, { type: 's3', config: recordedConfig(block), hash }))
      .toBe('Backend configuration block has changed');
  });

  test('another backend type, or no backend block any more', () => {
    expect(backendChangeReason({ type: 'local', attributes: {} }, { type: 's3', config: recordedConfig(block), hash }))
      .toBe('Backend type changed from "s3" to "local"');
    expect(backendChangeReason(undefined, { type: 's3', config: recordedConfig(block), hash })).toBe('Unsetting the previously set backend "s3"');
  });

  test('undecided is never refused: an expression (OpenTofu evaluates variables at init), a value not hashed exactly', () => {
    expect(backendChangeReason({ type: 's3', attributes: { ...block, region: UNKNOWN_VALUE } }, { type: 's3', config: recordedConfig(block), hash }))
      .toBeUndefined();
    // A key outside printable ASCII: its hash is not computed, and init's -backend-config may be what differs.
    expect(backendChangeReason({ type: 's3', attributes: { ...block, key: 'état/terraform.tfstate' } }, { type: 's3', config: recordedConfig(block), hash }))
      .toBeUndefined();
  });

  test('an attribute the recorded schema lacks is a change (Terraform cannot decode the block)', () => {
    expect(backendChangeReason({ type: 's3', attributes: { ...block, lock_tags: { a: 'b' } } }, { type: 's3', config: recordedConfig(block), hash }))
      .toBe('Backend configuration block has changed');
  });

  test('the attribute set is the recorded one: an OpenTofu record (state_tags, lock_tags) hashes with them', () => {
    const tofu = { ...recordedConfig(block), state_tags: { team: 'platform' }, lock_tags: null };
    const tofuHash = backendBlockHash('s3', { ...block, state_tags: { team: 'platform' } }, tofu);
    expect(tofuHash).toBeDefined();
    expect(tofuHash).not.toBe(hash);
    expect(backendChangeReason({ type: 's3', attributes: { ...block, state_tags: { team: 'platform' } } }, { type: 's3', config: tofu, hash: tofuHash }))
      .toBeUndefined();
    expect(backendChangeReason({ type: 's3', attributes: { ...block, state_tags: { team: 'other' } } }, { type: 's3', config: tofu, hash: tofuHash }))
      .toBe('Backend configuration block has changed');
  });

  test('every attribute of the project\'s schema has a type the hash knows', () => {
    const config = Object.fromEntries(S3_BACKEND_ATTRIBUTES.map((k) => [k, null]));
    expect(backendBlockHash('s3', {}, config)).toBeDefined();
  });
});
