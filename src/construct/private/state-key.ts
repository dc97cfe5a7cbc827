import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { stateKeyPolicy } from './key-policy';

/**
 * The customer managed key of a backend (construct ID `Key` under `scope`), with rotation, an alias and
 * a key policy that allows use only through S3 (and DynamoDB when `withTable`).
 */
export function createStateKey(scope: Construct, alias: string | undefined, withTable: boolean, removalPolicy: RemovalPolicy): kms.Key {
  return new kms.Key(scope, 'Key', {
    description: `Encrypts Terraform/OpenTofu state in ${scope.node.path}`,
    enableKeyRotation: true,
    alias: alias ?? defaultKeyAlias(scope),
    policy: stateKeyPolicy(scope, withTable),
    removalPolicy,
  });
}

/** Aliases are unique per account and region: include the stack name and the construct's unique name. */
function defaultKeyAlias(scope: Construct): string {
  const unique = Names.uniqueResourceName(scope, { maxLength: 100, separator: '-', allowedSpecialCharacters: '' });
  return `alias/tfstate/${Stack.of(scope).stackName}/${unique}`;
}
