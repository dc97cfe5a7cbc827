import { Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { bucketPolicyStatements, resourceOf, synthBackend } from './helpers';
import { BackendConfigFormat, LockingMode } from '../../src';

/*
 * StateBackendProps.lockTags: OpenTofu 1.11's lock_tags (internal/backend/remote-state/s3/client.go,
 * s3Lock -> configurePutObjectTags) put tags on every lock file; a lifecycle rule filtered on them
 * expires the noncurrent lock-file versions (hashicorp/terraform#36445).
 */
const LOCK_TAGS = { 'object:type': 'lock', 'team': 'platform' };

describe('lockTags', () => {
  test('adds a rule that expires noncurrent versions of objects with every lock tag after one day', () => {
    const { template } = synthBackend({ lockTags: LOCK_TAGS });
    const bucket = resourceOf(template, 'AWS::S3::Bucket', 'BackendBucket').resource;
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules.map((r: any) => r.Id)).toEqual(['StateHistory', 'AbortIncompleteMultipartUploads', 'ExpireLockFileVersions']);
    expect(rules[2]).toEqual({
      Id: 'ExpireLockFileVersions',
      Status: 'Enabled',
      TagFilters: [{ Key: 'object:type', Value: 'lock' }, { Key: 'team', Value: 'platform' }],
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  test('the expiry is configurable in whole days', () => {
    const { template } = synthBackend({ lockTags: LOCK_TAGS, lockFileNoncurrentVersionExpiration: Duration.days(3) });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireLockFileVersions', NoncurrentVersionExpiration: { NoncurrentDays: 3 } })]) },
    });
  });

  test('without lockTags there is no lock-file rule and no lock-tag statement', () => {
    const { template } = synthBackend();
    const bucket = resourceOf(template, 'AWS::S3::Bucket', 'BackendBucket').resource;
    expect(bucket.Properties.LifecycleConfiguration.Rules.map((r: any) => r.Id)).toEqual(['StateHistory', 'AbortIncompleteMultipartUploads']);
    expect(bucketPolicyStatements(template, resourceOf(template, 'AWS::S3::Bucket', 'BackendBucket').logicalId)
      .filter((s) => s.Sid === 'DenyLockTagsOnOtherObjects')).toEqual([]);
  });

  test('the bucket policy refuses the lock tags on every object that is not a lock file', () => {
    const { template } = synthBackend({ lockTags: LOCK_TAGS });
    const logicalId = resourceOf(template, 'AWS::S3::Bucket', 'BackendBucket').logicalId;
    const deny = bucketPolicyStatements(template, logicalId).find((s) => s.Sid === 'DenyLockTagsOnOtherObjects');
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'],
      NotResource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId, 'Arn'] }, '/*.tflock']] },
      Condition: { StringEquals: { 's3:RequestObjectTag/object:type': 'lock', 's3:RequestObjectTag/team': 'platform' } },
    });
  });

  test('snippets carry lock_tags, and state_tags when backendConfig() is given them', () => {
    const { backend } = synthBackend({ lockTags: LOCK_TAGS });
    const config = backend.backendConfig({ key: 'network/terraform.tfstate', stateTags: { 'object:type': 'state' } });
    const hcl = Stack.of(backend).resolve(config.render(BackendConfigFormat.BACKEND_CONFIG_FILE));
    const text = (hcl['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : '<token>')).join('');
    expect(text).toContain([
      'use_lockfile = true',
      'state_tags   = {',
      '  "object:type" = "state"',
      '}',
      'lock_tags    = {',
      '  "object:type" = "lock"',
      '  team = "platform"',
      '}',
    ].join('\n'));
    const literal = (format: BackendConfigFormat) => {
      const r = Stack.of(backend).resolve(config.render(format));
      return JSON.parse((r['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'x')).join(''));
    };
    const json = literal(BackendConfigFormat.JSON);
    expect(json.lock_tags).toEqual(LOCK_TAGS);
    expect(json.state_tags).toEqual({ 'object:type': 'state' });
    const cdktf = literal(BackendConfigFormat.CDKTF);
    expect(Object.keys(cdktf)).not.toContain('lockTags');
  });

  test('fails when state tags carry every lock tag (state versions would expire with the lock files)', () => {
    const { backend } = synthBackend({ lockTags: { 'object:type': 'lock' } });
    expect(() => backend.backendConfig({ key: 'a.tfstate', stateTags: { 'object:type': 'lock', 'x': 'y' } })).toThrow(/stateTags carry every lock tag/);
    expect(() => backend.backendConfig({ key: 'a.tfstate', stateTags: { 'object:type': 'state' } })).not.toThrow();
  });

  test.each([
    ['fails when lockTags is empty', { lockTags: {} }, /lockTags is empty/],
    ['fails when lockingMode writes no lock files', { lockTags: LOCK_TAGS, lockingMode: LockingMode.DYNAMODB }, /lockingMode is DYNAMODB/],
    ['fails with more than 10 tags', { lockTags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /at most 10/],
    ['fails when a key starts with aws:', { lockTags: { 'aws:x': 'v' } }, /must not start with "aws:"/],
    ['fails when a value is longer than 256 characters', { lockTags: { k: 'v'.repeat(257) } }, /at most 256/],
    ['fails when the expiry is not whole days', { lockTags: LOCK_TAGS, lockFileNoncurrentVersionExpiration: Duration.hours(12) }, /lockFileNoncurrentVersionExpiration/],
    ['fails when the expiry is set without lockTags', { lockFileNoncurrentVersionExpiration: Duration.days(2) }, /set lockTags too/],
  ])('%s', (_name, props, message) => {
    expect(() => synthBackend(props)).toThrow(message);
  });
});
