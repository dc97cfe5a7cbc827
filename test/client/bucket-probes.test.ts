import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StateBackend } from '../../src';
import { probeConditionalLockWrites, probeSseCBlocked } from '../../src/client/private/bucket-probes';
import { resolveTemplate } from '../iam/resolve';

/** The bucket policy and encryption configuration a deployed default StateBackend has, as S3 returns them. */
function deployedBucket(): { name: string; policy: string; encryption: any } {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  new StateBackend(stack, 'Backend', { bucketName: 'tfstate-probe' });
  const { template } = resolveTemplate(Template.fromStack(stack).toJSON() as any, { account: '111111111111', region: 'eu-west-1' });
  const resources = Object.values(template.Resources);
  const bucket = resources.find((r) => r.Type === 'AWS::S3::Bucket' && r.Properties.BucketName === 'tfstate-probe')!;
  const policy = resources.find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket === 'tfstate-probe')!;
  return {
    name: 'tfstate-probe',
    policy: JSON.stringify(policy.Properties.PolicyDocument),
    encryption: { Rules: bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration },
  };
}

describe('bucket probes (tfstate doctor)', () => {
  const deployed = deployedBucket();

  test('a StateBackend bucket passes the conditional lock-write probe', () => {
    expect(probeConditionalLockWrites(deployed.name, deployed.policy).status).toBe('PASS');
  });

  test('a bucket without the deny fails it, and the detail says what to add', () => {
    const result = probeConditionalLockWrites('other', JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] }));
    expect(result).toEqual({ status: 'FAIL', detail: expect.stringMatching(/Add a Deny of s3:PutObject on arn:aws:s3:::other\/\*\.tflock with Condition Null s3:if-none-match = true/) });
  });

  test('no bucket policy at all fails it', () => {
    expect(probeConditionalLockWrites('other', undefined).status).toBe('FAIL');
  });

  test('the deny of another bucket does not count', () => {
    expect(probeConditionalLockWrites('other', deployed.policy).status).toBe('FAIL');
  });

  test('a StateBackend bucket passes the SSE-C probe (blocked and denied)', () => {
    expect(probeSseCBlocked(deployed.encryption, deployed.policy)).toEqual({ status: 'PASS', detail: expect.stringMatching(/blocked .* and denied by the bucket policy/) });
  });

  test('a bucket that only denies SSE-C by policy fails the SSE-C probe', () => {
    const result = probeSseCBlocked({ Rules: [{}] }, deployed.policy);
    expect(result).toEqual({ status: 'FAIL', detail: expect.stringMatching(/does not block SSE-C .*BlockedEncryptionTypes = \[SSE-C\]/) });
  });
});
