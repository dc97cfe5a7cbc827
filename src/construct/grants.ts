import { Annotations, Resource, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LockingMode } from './locking-mode';
import { IF_MATCH_PROBE_SUFFIX } from '../protocol/constants';
import {
  AccessLevel,
  DIGEST_ITEM_PATTERN,
  DYNAMODB_DIGEST_READ_ACTIONS,
  DYNAMODB_DIGEST_WRITE_ACTIONS,
  DYNAMODB_ENCRYPTION_CONTEXT_ACCOUNT_KEY,
  DYNAMODB_ENCRYPTION_CONTEXT_TABLE_KEY,
  DYNAMODB_LOCK_ACTIONS,
  DYNAMODB_LOCK_READ_ACTIONS,
  KMS_DYNAMODB_ACTIONS,
  KMS_DYNAMODB_READ_ACTIONS,
  KMS_S3_DECRYPT_ACTIONS,
  KMS_S3_ENCRYPT_ACTIONS,
  S3_ABORT_MULTIPART_ACTIONS,
  S3_DELETE_OBJECT_ACTIONS,
  S3_ENCRYPTION_CONTEXT_KEY,
  S3_LIST_ACTIONS,
  S3_PUT_OBJECT_ACTIONS,
  S3_PUT_OBJECT_TAGGING_ACTIONS,
  S3_READ_OBJECT_ACTIONS,
  scopePaths,
  stateKeyProblem,
} from './private/permissions';
import { allowThroughRestriction } from './private/state-access-restriction';
import type { IStateBackend } from './state-backend-base';
import { StateScope } from './state-scope';

/** Only HTTPS: a grant never allows a request over plain HTTP, whatever the resource policy says. */
const SECURE_TRANSPORT = { Bool: { 'aws:SecureTransport': 'true' } };

/**
 * One statement of a state grant and the resource whose policy must also allow it when the grantee
 * is in another account.
 *
 * @internal
 */
export interface StateGrantStatement {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
  readonly resource?: iam.IResourceWithPolicy;
  /**
   * Conditions of the resource-policy copy, when they must differ from the identity statement.
   *
   * @default - the same conditions
   */
  readonly resourceConditions?: Record<string, Record<string, unknown>>;
}

/** Whether the backend's locking mode takes the S3 lock object. */
export function usesLockFile(mode: LockingMode): boolean {
  return mode === LockingMode.S3_LOCKFILE || mode === LockingMode.BOTH;
}

/** Whether the backend's locking mode uses the DynamoDB table (lock items and digest items). */
export function usesLockTable(mode: LockingMode): boolean {
  return mode === LockingMode.DYNAMODB || mode === LockingMode.BOTH;
}

/**
 * The statements that let a principal run Terraform against the states of `scope`.
 *
 * | statement | READ_WITHOUT_LOCK (`plan -lock=false`) | READ (`plan`) | READ_WRITE (`apply`) |
 * |---|---|---|---|
 * | `s3:ListBucket` on the bucket | prefixes `<workspace_key_prefix>/` and the scope's state and lock paths | same | same |
 * | `s3:GetObject` | state and lock objects | same | same |
 * | `s3:PutObject`, `s3:PutObjectTagging` (OpenTofu's `state_tags`/`lock_tags`), `s3:DeleteObject` | none | lock objects | lock and state objects |
 * | `s3:AbortMultipartUpload` | none | none | state objects (a failed multipart upload of a large state) |
 * | `s3:GetObject`, `s3:DeleteObject` on `<lock object>.if-match-probe` (listed too) | none | the runtime client's conditional-delete probe, a key that never exists | same |
 * | DynamoDB lock items, never a digest item | `GetItem` | `GetItem`, `PutItem`, `DeleteItem` | same |
 * | DynamoDB digest items | `GetItem` | `GetItem` | `GetItem`, `PutItem`, `DeleteItem` |
 * | `kms:Decrypt` via S3 | context = state and lock object ARNs (plus the bucket ARN with a Bucket Key) | same | same |
 * | `kms:GenerateDataKey` via S3 | none | context = lock object ARNs (plus the bucket ARN) | lock and state object ARNs (plus the bucket ARN) |
 * | KMS via DynamoDB (table encrypted with a customer managed key) | `kms:Decrypt`, context = the table name | `Decrypt`, `Encrypt`, `GenerateDataKey` | same |
 *
 * Lock-file statements exist only when the locking mode uses the lock file, DynamoDB statements only
 * when it uses the table and the backend has one.
 *
 * @internal
 */
export function stateGrantStatements(backend: IStateBackend, level: AccessLevel, scope: StateScope): StateGrantStatement[] {
  const bucket = backend.bucket;
  const key = backend.encryptionKey;
  const paths = scopePaths(scope, bucket.bucketName, backend.workspaceKeyPrefix);
  const lockFile = usesLockFile(backend.lockingMode);
  const table = usesLockTable(backend.lockingMode) ? backend.lockTable : undefined;
  const write = level === AccessLevel.READ_WRITE;
  const lock = level !== AccessLevel.READ_WITHOUT_LOCK;
  const stack = Stack.of(backend);
  const region = bucket.env.region;

  const objects = (keys: string[]) => keys.map((k) => bucket.arnForObjects(k));
  const readObjects = collapse([...paths.statePaths, ...(lockFile ? paths.lockPaths : [])]);
  const writtenObjects = collapse([...(lockFile && lock ? paths.lockPaths : []), ...(write ? paths.statePaths : [])]);

  // S3 answers a GET/HEAD of a missing key with 404 only when the caller may list the bucket with that
  // key as `s3:prefix` (else 403, which Terraform reports as an error instead of "no state"; ceph/ceph#68577
  // mirrors this AWS behaviour). The state paths are in the scope's list prefixes; the lock objects too,
  // so that "is the state locked?" (GET of a missing .tflock) is a 404 as well.
  // The runtime client's one-time probe (does DeleteObject honour If-Match? then a lock cycle is 4
  // requests, not 5) deletes `<lock object>.if-match-probe`, a key that never exists, with an If-Match no
  // object carries: AWS needs GetObject and DeleteObject for a conditional delete, and the listing for
  // its absence to be a 404 (else 403, which the client reads as "not honoured").
  const probeCovered = readObjects.includes('*') && writtenObjects.includes('*');
  const probeObjects = lockFile && lock && !probeCovered ? paths.lockPaths.map((p) => `${p}${IF_MATCH_PROBE_SUFFIX}`) : [];
  const listPrefixes = collapse([...paths.listPrefixes, ...(lockFile ? paths.lockPaths : []), ...probeObjects]);
  const statements: StateGrantStatement[] = [
    {
      actions: S3_LIST_ACTIONS,
      resourceArns: [bucket.bucketArn],
      conditions: { ...SECURE_TRANSPORT, StringLike: { 's3:prefix': listPrefixes } },
      resource: bucket,
    },
    {
      actions: S3_READ_OBJECT_ACTIONS,
      resourceArns: objects(readObjects),
      conditions: SECURE_TRANSPORT,
      resource: bucket,
    },
  ];
  if (writtenObjects.length > 0) {
    statements.push(
      {
        actions: [...S3_PUT_OBJECT_ACTIONS, ...S3_PUT_OBJECT_TAGGING_ACTIONS],
        resourceArns: objects(writtenObjects),
        conditions: SECURE_TRANSPORT,
        resource: bucket,
      },
      { actions: S3_DELETE_OBJECT_ACTIONS, resourceArns: objects(writtenObjects), conditions: SECURE_TRANSPORT, resource: bucket },
    );
  }
  if (probeObjects.length > 0) {
    statements.push({
      actions: [...S3_READ_OBJECT_ACTIONS, ...S3_DELETE_OBJECT_ACTIONS],
      resourceArns: objects(probeObjects),
      conditions: SECURE_TRANSPORT,
      resource: bucket,
    });
  }
  if (write) {
    // A state above the uploader's part size is a multipart upload; a failed one is aborted.
    statements.push({
      actions: S3_ABORT_MULTIPART_ACTIONS, resourceArns: objects(collapse(paths.statePaths)), conditions: SECURE_TRANSPORT, resource: bucket,
    });
  }

  // With an S3 Bucket Key, S3 asks KMS for a bucket-level key whose encryption context is the bucket
  // ARN (not the object ARN), so the context cannot narrow the grant below the bucket (AFT#639).
  // Objects written before the Bucket Key was turned on keep their object-ARN context until Terraform
  // rewrites them: the scope's object ARNs stay allowed too, which widens nothing (the bucket ARN
  // already covers every object). Without a Bucket Key the bucket ARN is never allowed.
  const s3Service = `s3.${region}.${stack.urlSuffix}`;
  const s3Context = (keys: string[]): Record<string, Record<string, unknown>> => ({
    StringEquals: { 'kms:ViaService': s3Service },
    StringLike: { [S3_ENCRYPTION_CONTEXT_KEY]: backend.bucketKeyEnabled ? [bucket.bucketArn, ...objects(keys)] : objects(keys) },
  });
  // The key policy copy of a cross-account grant cannot name the bucket or table: they reference the
  // key, so the key policy naming them is a dependency cycle. It keeps kms:ViaService; the bucket
  // policy and the grantee's identity policy still limit which objects S3 will touch.
  const viaS3Only = { StringEquals: { 'kms:ViaService': s3Service } };
  statements.push({
    actions: KMS_S3_DECRYPT_ACTIONS, resourceArns: [key.keyArn], conditions: s3Context(readObjects), resource: key, resourceConditions: viaS3Only,
  });
  if (writtenObjects.length > 0) {
    statements.push({
      actions: KMS_S3_ENCRYPT_ACTIONS,
      resourceArns: [key.keyArn],
      conditions: s3Context(writtenObjects),
      resource: key,
      resourceConditions: viaS3Only,
    });
  }

  if (table) {
    const tableResource = isResourceWithPolicy(table) ? table : undefined;
    statements.push({
      actions: lock ? DYNAMODB_LOCK_ACTIONS : DYNAMODB_LOCK_READ_ACTIONS,
      resourceArns: [table.tableArn],
      conditions: {
        ...SECURE_TRANSPORT,
        // A key pattern such as `team-a/*` would also match `team-a/x.tfstate-md5`: a reader that may
        // put or delete lock items must never be able to overwrite a digest (that breaks every reader).
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': paths.lockIds },
        'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [DIGEST_ITEM_PATTERN] },
      },
      resource: tableResource,
    });
    statements.push({
      actions: write ? DYNAMODB_DIGEST_WRITE_ACTIONS : DYNAMODB_DIGEST_READ_ACTIONS,
      resourceArns: [table.tableArn],
      conditions: { ...SECURE_TRANSPORT, 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': paths.digestIds } },
      resource: tableResource,
    });
    if (table.encryptionKey) {
      const viaDynamoDB = `dynamodb.${table.env.region}.${stack.urlSuffix}`;
      statements.push({
        // Reading an item of a table encrypted with a customer managed key only decrypts.
        actions: lock ? KMS_DYNAMODB_ACTIONS : KMS_DYNAMODB_READ_ACTIONS,
        resourceArns: [table.encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': viaDynamoDB,
            [DYNAMODB_ENCRYPTION_CONTEXT_TABLE_KEY]: table.tableName,
            [DYNAMODB_ENCRYPTION_CONTEXT_ACCOUNT_KEY]: table.env.account,
          },
        },
        resource: table.encryptionKey,
        resourceConditions: { StringEquals: { 'kms:ViaService': viaDynamoDB } },
      });
    }
  }
  return statements;
}

/**
 * Grants `level` access to the states of `scope` and returns the combined grant.
 *
 * Same account: identity policy statements only. Grantee in another account (or a principal without
 * an identity policy, such as `AccountPrincipal`): the same statements, conditions included, are also
 * added to the bucket, key and table policies when this app owns them; for imported resources the
 * owning account must add them (see the README section "Cross-account access without assuming a central role").
 *
 * @internal
 */
export function grantStateAccess(
  backend: IStateBackend, grantee: iam.IGrantable, level: AccessLevel, scope: StateScope = StateScope.all(),
): iam.Grant {
  warnAboutTraps(backend, scope);
  const service = servicePrincipalNames(grantee.grantPrincipal);
  if (service.length > 0 && !Resource.isOwnedResource(backend.bucket)) {
    throw new Error(`${backend.node.path}: cannot grant state access to the service principal ${service.join(', ')} on an imported backend: ` +
      'a service has no identity policy, so only the bucket, key and table policies of the owning app can let it in. ' +
      'Grant it on the StateBackend of the owning app, with new iam.ServicePrincipal(<service>, { conditions: { ArnLike: { \'aws:SourceArn\': <the calling resource ARN> } } }).');
  }
  allowThroughRestriction(backend, grantee.grantPrincipal, `the grantee ${grantee.grantPrincipal}`);
  let grant: iam.Grant | undefined;
  const notOwned = new Set<string>();
  for (const s of stateGrantStatements(backend, level, scope)) {
    const g = grantOne(backend, grantee, s, notOwned);
    grant = grant ? grant.combine(g) : g;
  }
  if (notOwned.size > 0) {
    Annotations.of(backend).addInfoV2('cdk-tfstate-backend:cross-account-resource-policy',
      `The grant to ${grantee.grantPrincipal} crosses accounts, but this app cannot change the policies of ${[...notOwned].join(', ')} (imported). ` +
      'The owning app must grant the same principal and scope on its StateBackend (grantRead/grantReadWrite), which adds the bucket, key and table policy statements (see the README section "Cross-account access without assuming a central role").');
  }
  return grant!;
}

function grantOne(backend: IStateBackend, grantee: iam.IGrantable, s: StateGrantStatement, notOwned: Set<string>): iam.Grant {
  const principalGrant = iam.Grant.addToPrincipal({ grantee, actions: s.actions, resourceArns: s.resourceArns, conditions: s.conditions });
  if (!s.resource) return principalGrant;
  const principalAccount = grantee.grantPrincipal.principalAccount;
  const comparison = principalAccount ? Token.compareStrings(s.resource.env.account, principalAccount) : undefined;
  const sameAccount = comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED;
  if (principalGrant.success && sameAccount) return principalGrant;
  // aws-cdk's Grant.addToPrincipalOrResource drops the conditions from the resource statement, which
  // would turn a prefix-limited ListBucket into a list of the whole bucket: add our own statement.
  const statement = new iam.PolicyStatement({
    principals: [grantee.grantPrincipal],
    actions: s.actions,
    // Key and table policies are properties of the key and table themselves: naming their own ARN
    // would make the resource depend on itself, so they say `*` (this resource).
    resources: s.resource === backend.bucket ? s.resourceArns : ['*'],
    conditions: s.resourceConditions ?? s.conditions,
  });
  if (servicePrincipalNames(grantee.grantPrincipal).length > 0) {
    // Confused deputy: a service acts for any account that calls it unless the policy names the caller's
    // account. An `aws:SourceArn` condition given on the principal (ServicePrincipal `conditions`,
    // `withConditions`) is kept by PolicyStatement; `aws:SourceAccount` is always added.
    statement.addCondition('StringEquals', { 'aws:SourceAccount': s.resource.env.account });
  }
  if (!Resource.isOwnedResource(s.resource)) {
    notOwned.add(s.resource.node.path);
    return principalGrant;
  }
  const resourceGrant = iam.Grant.addStatementToResourcePolicy({
    grantee, statement, resource: s.resource, actions: s.actions, resourceArns: s.resourceArns,
  });
  return principalGrant.combine(resourceGrant);
}

/**
 * Synth-time warnings for grants that cannot work as the user expects.
 *
 * @internal
 */
export function warnAboutTraps(backend: IStateBackend, scope: StateScope): void {
  const annotations = Annotations.of(backend);
  for (const key of scope.stateKeys) {
    const problem = stateKeyProblem(key);
    if (problem) {
      annotations.addWarningV2('cdk-tfstate-backend:scope-key', `StateScope: ${problem}`);
    }
  }
  if (usesLockTable(backend.lockingMode) && !backend.lockTable) {
    annotations.addWarningV2('cdk-tfstate-backend:no-lock-table',
      `The locking mode is ${backend.lockingMode}, which locks in DynamoDB, but the backend has no lock table, so the grant includes no DynamoDB permission and Terraform will fail to lock. ` +
      'Pass lockTable (e.g. dynamodb.Table.fromTableName) to fromStateBackendAttributes, or use LockingMode.S3_LOCKFILE.');
  }
  if (backend.workspaceKeyPrefix === '' && scope.listsWorkspaces) {
    annotations.addWarningV2('cdk-tfstate-backend:list-whole-bucket',
      'workspaceKeyPrefix is "", so Terraform lists workspaces with an empty prefix: the grant lets the grantee list every object name in the bucket. ' +
      'Use a workspace key prefix, or StateScope...withoutWorkspaceListing() if only OpenTofu or existing workspaces are used.');
  }
}

/** `*` covers every object: listing `*.tflock` next to it would only lengthen the policy. */
function collapse(keys: string[]): string[] {
  return keys.includes('*') ? ['*'] : keys;
}

/** The service names of a principal (`Service` in its policy fragment); empty for every other principal. */
function servicePrincipalNames(principal: iam.IPrincipal): string[] {
  if (principal instanceof iam.ServicePrincipal) return [principal.service];
  const service = principal.policyFragment.principalJson.Service;
  return service ? [service].flat() : [];
}

function isResourceWithPolicy(x: unknown): x is iam.IResourceWithPolicy {
  return typeof (x as iam.IResourceWithPolicy).addToResourcePolicy === 'function';
}
