import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LOCK_FILE_SUFFIX } from '../../protocol/constants';

const SSE = 's3:x-amz-server-side-encryption';
const SSE_KMS_KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C_ALGORITHM = 's3:x-amz-server-side-encryption-customer-algorithm';

/**
 * Deny statements that keep every state object under the backend's key, and refuse only what a request
 * actually names.
 *
 * Terraform and OpenTofu send no SSE header unless `encrypt = true`; the bucket default (SSE-KMS with the
 * backend key) then applies, and a policy that demanded the header would break them (opentofu#2970).
 * So every deny tests a header that is present. `StringNotEqualsIfExists` cannot express that: for a
 * missing key, `…IfExists` makes the condition TRUE, so a Deny with it also refuses header-less PUTs. The
 * denies use `StringNotEquals` together with `Null: { <key>: 'false' }` ("the header is present") instead.
 *
 * | PUT headers (client settings that send them) | decision |
 * |---|---|
 * | none (`encrypt` unset or false) | allowed: the bucket default encrypts with the key |
 * | `aws:kms` + this key's ARN (`encrypt = true`, `kms_key_id = <key ARN>`) | allowed |
 * | `aws:kms` + any other key ID value: another key, or an alias or bare key ID (the condition compares strings) | denied: `DenyOtherKmsKeys` |
 * | `aws:kms` without a key ID (S3 would use the aws/s3 managed key) | denied: `DenyKmsWithoutKeyId` |
 * | `AES256` (`encrypt = true` without `kms_key_id`) or `aws:kms:dsse` | denied: `DenyOtherEncryptionTypes` |
 * | SSE-C (`sse_customer_key`): bypasses the key and its key policy | denied: `DenyCustomerProvidedKeys` |
 *
 * Multipart uploads are covered because `CreateMultipartUpload` is authorized as `s3:PutObject` and
 * carries the SSE headers; so is `CopyObject` into the bucket.
 */
export function encryptionHeaderDenyStatements(bucket: s3.IBucket, key: kms.IKey): iam.PolicyStatement[] {
  const deny = (sid: string, conditions: Record<string, Record<string, string>>) => new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('*')],
    conditions,
  });
  return [
    deny('DenyOtherEncryptionTypes', { StringNotEquals: { [SSE]: 'aws:kms' }, Null: { [SSE]: 'false' } }),
    deny('DenyOtherKmsKeys', { StringNotEquals: { [SSE_KMS_KEY_ID]: key.keyArn }, Null: { [SSE_KMS_KEY_ID]: 'false' } }),
    deny('DenyKmsWithoutKeyId', { StringEquals: { [SSE]: 'aws:kms' }, Null: { [SSE_KMS_KEY_ID]: 'true' } }),
    deny('DenyCustomerProvidedKeys', { Null: { [SSE_C_ALGORITHM]: 'false' } }),
  ];
}

/**
 * Lets the S3 logging service deliver the state bucket's access logs into `target`.
 *
 * Granted by bucket policy because the log bucket enforces bucket ownership, which disables ACLs (the
 * older `LogDeliveryWrite` grant). `aws:SourceAccount` and `aws:SourceArn` (the state bucket) keep any other
 * bucket, in this account or another, from delivering into it. When the log bucket is in another stack,
 * the state bucket's ARN is built from its name (`source.bucketName` on the L1, a name known at synth time,
 * see `StateBackend`), because a reference to the state bucket would make the two stacks depend on each
 * other.
 */
export function logDeliveryStatement(
  target: s3.IBucket, source: s3.IBucket, prefix: string | undefined, sourceL1: s3.CfnBucket,
): iam.PolicyStatement {
  const sameStack = Stack.of(target) === Stack.of(source);
  const sourceArn = sameStack ? source.bucketArn : `arn:${Aws.PARTITION}:s3:::${sourceL1.bucketName}`;
  return new iam.PolicyStatement({
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix ?? ''}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': sourceArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(target).account },
    },
  });
}

/** The condition key of the request's `If-None-Match` header (present only on conditional writes). */
const IF_NONE_MATCH = 's3:if-none-match';

/**
 * Lock files may only be created, never overwritten: a `PutObject` of a `*.tflock` key without an
 * `If-None-Match` header is denied.
 *
 * Terraform >= 1.10 and OpenTofu >= 1.10 (`use_lockfile`) and this library's client write the lock file
 * with `If-None-Match: *` (Terraform `internal/backend/remote-state/s3/client.go`, `lockWithFile`), so
 * none of them is affected; a script or stale tool that would overwrite a held lock is. State objects
 * are not covered: Terraform writes them unconditionally.
 *
 * | PutObject of `<state>.tflock` | decision |
 * |---|---|
 * | `If-None-Match: *` (Terraform, OpenTofu, this client) | allowed (when granted); S3 answers 412 if the lock exists |
 * | no `If-None-Match` | denied: `DenyUnconditionalLockWrites` |
 */
export function lockFileConditionalWriteStatement(bucket: s3.IBucket): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyUnconditionalLockWrites',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects(`*${LOCK_FILE_SUFFIX}`)],
    conditions: { Null: { [IF_NONE_MATCH]: 'true' } },
  });
}

/** The value of `BlockedEncryptionTypes` that refuses server-side encryption with customer-provided keys. */
export const SSE_C = 'SSE-C';

/**
 * Blocks SSE-C at the bucket (`BlockedEncryptionTypes`), on top of the policy deny: S3 itself refuses
 * uploads with customer-provided keys, whatever a policy says. New AWS buckets block SSE-C by default since
 * April 2026; the construct writes it out instead of relying on that default.
 */
export function blockSseC(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  const encryption = cfn.bucketEncryption as s3.CfnBucket.BucketEncryptionProperty;
  const rules = encryption.serverSideEncryptionConfiguration as s3.CfnBucket.ServerSideEncryptionRuleProperty[];
  cfn.bucketEncryption = {
    ...encryption,
    serverSideEncryptionConfiguration: rules.map((rule) => ({ ...rule, blockedEncryptionTypes: { encryptionType: [SSE_C] } })),
  };
}

/**
 * Sends the bucket's object events (state written, lock taken, version deleted) to Amazon EventBridge, set on
 * the L1 (CloudFormation's native `EventBridgeConfiguration`, no custom resource as with aws-s3's
 * `eventBridgeEnabled`). Rules on the default event bus can then alert on unexpected writes or deletes.
 */
export function sendEventsToEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}
