import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `DenyGrantsNotForAWSResources`: nobody may create a KMS grant unless it is for an AWS resource or the
 * caller is an AWS service. A grant is a second, invisible key policy (an administrator could otherwise
 * grant a role Decrypt outside every condition of the key policy); AWS services integrated with KMS
 * create grants for the resources they encrypt. The form AWS Control Tower's proactive control
 * CT.KMS.PR.3 asks for. Every key this library creates carries it.
 */
export function denyGrantsNotForAWSResources(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAWSResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}
