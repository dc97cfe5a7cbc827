import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Denies `kms:CreateGrant` on `key` to anyone, unless the grant is for an AWS resource or the caller is
 * an AWS service: the same statement as the backend key's `DenyGrantsNotForAWSResources`
 * (`private/key-policy.ts`), in the form AWS Control Tower's proactive control CT.KMS.PR.3 asks for.
 *
 * The keys of the monitoring options are used by CloudTrail, CloudWatch Logs, S3 (SSE-KMS), SNS,
 * EventBridge and CloudWatch alarms, none of which creates a grant; a grant would only let a principal
 * use the key outside the key policy.
 */
export function denyGrantsNotForAWSResources(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAWSResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
}
