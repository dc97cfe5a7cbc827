import type * as kms from 'aws-cdk-lib/aws-kms';
import { denyGrantsNotForAWSResources as denyStatement } from '../private/key-grant-deny';

/**
 * Denies `kms:CreateGrant` on `key` to anyone, unless the grant is for an AWS resource or the caller is
 * an AWS service: the backend key's `DenyGrantsNotForAWSResources` statement (`private/key-grant-deny.ts`),
 * in the form AWS Control Tower's proactive control CT.KMS.PR.3 asks for.
 *
 * The keys of the monitoring options are used by CloudTrail, CloudWatch Logs, S3 (SSE-KMS), SNS,
 * EventBridge and CloudWatch alarms, none of which creates a grant; a grant would only let a principal
 * use the key outside the key policy.
 */
export function denyGrantsNotForAWSResources(key: kms.Key): void {
  key.addToResourcePolicy(denyStatement());
}
