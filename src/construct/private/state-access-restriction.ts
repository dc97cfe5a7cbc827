import { CustomResourceProviderBase, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';

/**
 * Every S3 action that reads, writes or deletes an object or one of its versions. The state bucket
 * holds only state objects and lock files, so the deny covers every object of the bucket.
 */
export const RESTRICTED_OBJECT_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:GetObject',
  's3:GetObjectAttributes',
  's3:GetObjectVersion',
  's3:GetObjectVersionAttributes',
  's3:GetObjectVersionForReplication',
  's3:PutObject',
  // Tags decide which versions the lock-file lifecycle rule expires (StateBackendProps.lockTags).
  's3:PutObjectTagging',
  's3:PutObjectVersionTagging',
  's3:DeleteObjectTagging',
  's3:DeleteObjectVersionTagging',
  's3:RestoreObject',
];

/** The data-key and decrypt operations S3 makes with the caller's permission on SSE-KMS objects. */
export const RESTRICTED_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

/** Every DynamoDB action that reads, writes or deletes items (lock items and digests). */
export const RESTRICTED_ITEM_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

/** The construct ID under which aws-s3 creates the provider of `autoDeleteObjects` in a stack. */
const AUTO_DELETE_PROVIDER_ID = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

const RESTRICTIONS = new WeakMap<IConstruct, StateAccessRestriction>();

/**
 * Records that `principal` was given access to `backend` through the construct (a grant, an access role,
 * a break-glass principal), so that `restrictStateAccess` lets it through. A no-op for backends without
 * the restriction (and for imported backends, whose policies this app does not own).
 */
export function allowThroughRestriction(backend: IConstruct, principal: iam.IPrincipal, what: string): void {
  RESTRICTIONS.get(backend)?.allow(principal, what);
}

/**
 * The deny-by-default statements of `restrictStateAccess`: the bucket, key and table policies refuse
 * object, decrypt-through-S3 and item access to every principal that is not on the allow list.
 *
 * | condition (all must hold for the deny to apply) | meaning |
 * |---|---|
 * | `ArnNotLike aws:PrincipalArn` = granted role/user ARNs | not a role or user granted through the construct |
 * | `StringNotEquals aws:PrincipalAccount` = granted accounts | not in an account granted as a whole (`AccountPrincipal`) |
 * | `BoolIfExists aws:PrincipalIsAWSService = false` | not an AWS service acting with its own service principal (log delivery); such a service still needs an Allow, which only the construct's own statements give |
 *
 * The lists are rendered at synth time, so grants made after the backend was constructed are included.
 */
export class StateAccessRestriction {
  private readonly arns: string[] = [];
  private readonly accounts: string[] = [];

  constructor(private readonly backend: Construct) {
    RESTRICTIONS.set(backend, this);
  }

  /** Adds a principal to the allow list, or fails with what to do when it cannot be named in a condition. */
  public allow(principal: iam.IPrincipal, what: string): void {
    if (principal instanceof iam.AccountPrincipal) {
      this.add(this.accounts, principal.accountId);
      return;
    }
    const json = principal.policyFragment.principalJson;
    for (const kind of Object.keys(json)) {
      if (kind !== 'AWS' && kind !== 'Service') {
        throw new Error(`restrictStateAccess: ${what} is a ${kind} principal (${JSON.stringify(json[kind])}), which no bucket or key policy condition can name. ` +
          'Grant the IAM role that this principal assumes instead (e.g. addAccessRole with assumedBy: <the principal>).');
      }
    }
    // Service principals are let through by aws:PrincipalIsAWSService; the grant itself carries aws:SourceAccount.
    for (const arn of json.AWS ?? []) {
      if (!Token.isUnresolved(arn) && (/^\d{12}$/.test(arn) || /^arn:[^:]+:iam::\d{12}:root$/.test(arn))) {
        this.add(this.accounts, /^\d{12}$/.test(arn) ? arn : arn.split(':')[4]);
        continue;
      }
      if (Token.isUnresolved(arn) && Construct.isConstruct(principal) && Stack.of(principal) !== Stack.of(this.backend)
        && referencesResources(Stack.of(principal).resolve(arn))) {
        throw new Error(`restrictStateAccess: ${what} is ${principal.node.path}, defined in stack ${Stack.of(principal).stackName}, whose ARN is only known after deployment. ` +
          `Naming it in the policies of stack ${Stack.of(this.backend).stackName} would make the two stacks depend on each other. ` +
          'Give the role a fixed name and pass iam.Role.fromRoleName(...) (or new iam.ArnPrincipal(<role ARN>)) to the grant, or create the role in the backend\'s stack.');
      }
      this.add(this.arns, arn);
    }
  }

  /** The deny statement of the state bucket's policy. */
  public bucketStatement(bucket: s3.IBucket): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DenyStateAccessToUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: RESTRICTED_OBJECT_ACTIONS,
      resources: [bucket.arnForObjects('*')],
      conditions: this.conditions(),
    });
  }

  /** The deny statement of the key policy: no decrypt or data key through S3. */
  public keyStatement(): iam.PolicyStatement {
    const stack = Stack.of(this.backend);
    return new iam.PolicyStatement({
      sid: 'DenyStateDecryptionToUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: RESTRICTED_KEY_ACTIONS,
      resources: ['*'],
      conditions: { ...this.conditions(), StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
    });
  }

  /** The deny statement of the lock table's resource policy. */
  public tableStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DenyLockItemsToUngrantedPrincipals',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: RESTRICTED_ITEM_ACTIONS,
      // A table policy cannot name the table's own ARN (the table would depend on itself): `*` is this table.
      resources: ['*'],
      conditions: this.conditions(),
    });
  }

  private add(list: string[], value: string): void {
    const stack = Stack.of(this.backend);
    const key = JSON.stringify(stack.resolve(value));
    if (!list.some((v) => JSON.stringify(stack.resolve(v)) === key)) list.push(value);
  }

  private conditions(): Record<string, any> {
    return {
      ArnNotLike: Lazy.any({ produce: () => this.allowedArns().length > 0 ? { 'aws:PrincipalArn': this.allowedArns() } : undefined }),
      StringNotEquals: Lazy.any({ produce: () => this.accounts.length > 0 ? { 'aws:PrincipalAccount': [...this.accounts] } : undefined }),
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    };
  }

  /** The allow list, plus the role that empties the bucket when `autoDeleteObjects` is on. */
  private allowedArns(): string[] {
    const provider = Stack.of(this.backend).node.tryFindChild(AUTO_DELETE_PROVIDER_ID);
    return provider instanceof CustomResourceProviderBase ? [...this.arns, provider.roleArn] : [...this.arns];
  }
}

/** Whether a resolved value refers to a resource (`Ref`, `Fn::GetAtt`, an import), not only to pseudo parameters such as `AWS::Partition`. */
function referencesResources(resolved: unknown): boolean {
  const json = JSON.stringify(resolved);
  return /"Ref":"(?!AWS::)/.test(json) || json.includes('"Fn::GetAtt"') || json.includes('"Fn::ImportValue"');
}

/** Adds the deny statements to the bucket, key (when it is this app's) and table policies. */
export function restrictStateAccess(
  restriction: StateAccessRestriction, bucket: s3.IBucket, key: kms.IKey, table: dynamodb.Table | undefined,
): { keyPolicyOwned: boolean } {
  bucket.addToResourcePolicy(restriction.bucketStatement(bucket));
  table?.addToResourcePolicy(restriction.tableStatement());
  const { statementAdded } = key.addToResourcePolicy(restriction.keyStatement(), /* allowNoOp */ true);
  return { keyPolicyOwned: statementAdded };
}
