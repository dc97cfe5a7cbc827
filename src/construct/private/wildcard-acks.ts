import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** A resolved CloudFormation value as cdk-nag names it in finding IDs (`<Logical.Attr>`, `<Logical>`). */
function nagName(node: unknown): string {
  if (typeof node === 'string') return node;
  const obj = node as Record<string, any>;
  if (obj['Fn::Join']) {
    const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
    return items.map(nagName).join(delimiter);
  }
  if (obj['Fn::GetAtt']) {
    const [resource, attribute] = obj['Fn::GetAtt'] as [string, string];
    return `<${resource}.${attribute}>`;
  }
  if (obj.Ref) return `<${obj.Ref}>`;
  return JSON.stringify(node);
}

/**
 * One `AwsSolutions-IAM5[Resource::...]` acknowledgement per wildcard resource of `policy` (cdk-nag 3
 * reports each), so that a wildcard added later is reported rather than swallowed.
 *
 * Finding IDs of literal ARNs contain `::` (`arn:<AWS::Partition>:s3:::bucket/*`), which
 * `Validations.acknowledge` refuses as a prefix delimiter; the acknowledgement is the same construct
 * metadata it writes, so it is written directly for those.
 */
export function acknowledgeWildcardResources(policy: iam.ManagedPolicy, reason: string): void {
  const doc = Stack.of(policy).resolve(policy.document.toJSON()) as { Statement: Array<{ Resource: unknown }> };
  const wildcards = new Set(doc.Statement.flatMap((st) => [st.Resource].flat()).map(nagName).filter((arn) => arn.includes('*')));
  for (const arn of wildcards) acknowledgeFinding(policy, `AwsSolutions-IAM5[Resource::${arn}]`, reason);
}

/** Acknowledges one cdk-nag finding ID, also one that names an ARN with `::` (see above). */
export function acknowledgeFinding(scope: IConstruct, id: string, reason: string): void {
  const rule = id.replace(/\[.*\]$/, '');
  if (id.slice(rule.length).includes('::')) scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  else Validations.of(scope).acknowledge({ id, reason });
}
