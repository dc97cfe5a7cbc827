import { Validations } from 'aws-cdk-lib';
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
