import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Deny statements that keep every state object encrypted with the backend's key.
 *
 * The conditions use the `…IfExists` operators on purpose: Terraform and OpenTofu send no SSE header
 * at all unless `encrypt = true` (the bucket default then applies the key), and a policy that demands
 * the header would break them (opentofu/opentofu#2970). Only a request that names another SSE type,
 * another KMS key or a customer-provided key (SSE-C) is refused. Multipart uploads are covered because
 * `CreateMultipartUpload` is authorized as `s3:PutObject` and carries the SSE headers.
 */
export function encryptionHeaderDenyStatements(bucket: s3.IBucket, key: kms.IKey): iam.PolicyStatement[] {
  const anyone = [new iam.AnyPrincipal()];
  const objects = [bucket.arnForObjects('*')];
  return [
    new iam.PolicyStatement({
      sid: 'DenyOtherEncryptionTypes',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObject'],
      resources: objects,
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOtherKmsKeys',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObject'],
      resources: objects,
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyCustomerProvidedKeys',
      effect: iam.Effect.DENY,
      principals: anyone,
      actions: ['s3:PutObject'],
      resources: objects,
      conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    }),
  ];
}

/**
 * Lets the S3 logging service deliver the state bucket's access logs into `target`.
 *
 * Granted by bucket policy because the log bucket enforces bucket ownership, which disables ACLs (the
 * older `LogDeliveryWrite` grant). S3 requires source and target in the same account, so the
 * `aws:SourceAccount` condition holds in either stack; `aws:SourceArn` is added only when both buckets
 * are in one stack, because referencing the state bucket from another stack would create a cycle.
 */
export function logDeliveryStatement(target: s3.IBucket, source: s3.IBucket, prefix: string | undefined): iam.PolicyStatement {
  const sameStack = Stack.of(target) === Stack.of(source);
  return new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix ?? ''}*`)],
    conditions: {
      ...(sameStack ? { ArnLike: { 'aws:SourceArn': source.bucketArn } } : {}),
      StringEquals: { 'aws:SourceAccount': Stack.of(target).account },
    },
  });
}
