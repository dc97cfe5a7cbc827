import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** One cdk-nag finding to acknowledge, with the reason a reviewer reads. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag findings on `scope`, on every supported aws-cdk-lib.
 *
 * `Validations.acknowledge` takes `::` as the separator of a plugin namespace. aws-cdk-lib 2.258 (the
 * peer-dependency floor) refuses any ID with a second `::`, but a cdk-nag 3 finding ID can hold several:
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::tfstate-central/*]` (a literal bucket name, as
 * `fromStateBackendAttributes` gets it). Newer aws-cdk-lib parses `::` inside the brackets as part of
 * the rule. Such IDs are recorded as the same `aws:cdk:acknowledged-rules` metadata entry that
 * `acknowledge` writes, which is what cdk-nag 3 reads; every other ID goes through `acknowledge`.
 */
export function acknowledgeFindings(scope: IConstruct, ...acks: Acknowledgement[]): void {
  for (const ack of acks) {
    if (ack.id.split('::').length > 2) {
      scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [ack.id]: ack.reason });
    } else {
      Validations.of(scope).acknowledge(ack);
    }
  }
}

/**
 * One `AwsSolutions-IAM5[Resource::...]` acknowledgement per wildcard resource of `policy`, with the
 * same `reason` (cdk-nag 3 reports IAM5 per resource), so that a wildcard added later is reported
 * instead of being swallowed by a blanket acknowledgement. A policy without wildcards gets none.
 */
export function acknowledgeWildcardResources(policy: iam.ManagedPolicy, reason: string): void {
  const doc = Stack.of(policy).resolve(policy.document.toJSON()) as { Statement: Array<{ Resource: unknown }> };
  const wildcards = new Set(doc.Statement.flatMap((st) => [st.Resource].flat())
    .map(nagName)
    .filter((arn) => arn.includes('*')));
  acknowledgeFindings(policy, ...[...wildcards].map((arn) => ({ id: `AwsSolutions-IAM5[Resource::${arn}]`, reason })));
}

/** A resolved CloudFormation value as cdk-nag names it in finding IDs (`<Logical.Attr>`, `<Logical>`). */
function nagName(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
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
