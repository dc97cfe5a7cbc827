import { runSimulation, runUnsafeSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PhysicalResource, resolveTemplate } from './resolve';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request to evaluate: who, what, on which resource, with which request context. */
export interface SimRequest {
  readonly role: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

type Resources = Record<string, { Type: string; Properties?: any }>;

/**
 * The deployed view of one or more synthesized stacks: concrete ARNs, the identity policies of each
 * role, and the resource policies of buckets and keys, evaluated with iam-simulate.
 */
export class DeployedPolicies {
  public static fromStacks(stacks: Stack[]): DeployedPolicies {
    const resources: Resources = {};
    const physical: Record<string, PhysicalResource> = {};
    const bucketOwners = new Map<string, string>();
    for (const stack of stacks) {
      const env = { account: stack.account, region: stack.region, extra: physical };
      const resolved = resolveTemplate(Template.fromStack(stack).toJSON() as any, env);
      for (const [id, res] of Object.entries(resolved.template.Resources)) {
        if (res.Type === 'AWS::S3::Bucket') bucketOwners.set(resolved.resources[id].ref, stack.account);
      }
      Object.assign(resources, resolved.template.Resources);
      Object.assign(physical, resolved.resources);
    }
    return new DeployedPolicies(resources, physical, bucketOwners);
  }

  private constructor(
    private readonly resources: Resources,
    public readonly physical: Record<string, PhysicalResource>,
    private readonly bucketOwners: Map<string, string>,
    private readonly attached = new Map<string, { name: string; policy: unknown }[]>(),
  ) {}

  /**
   * Attaches a policy that is not in the templates (an AWS managed policy, which a template names only
   * by ARN) to the role with the given physical name, for the requests evaluated afterwards.
   */
  public attachPolicy(roleName: string, name: string, policy: unknown): void {
    this.attached.set(roleName, [...(this.attached.get(roleName) ?? []), { name, policy }]);
  }

  /** The logical ID of the only resource of `type` whose logical ID starts with `prefix`. */
  public logicalId(type: string, prefix: string): string {
    const ids = Object.keys(this.resources).filter((id) => this.resources[id].Type === type && id.startsWith(prefix));
    if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${JSON.stringify(ids)}`);
    return ids[0];
  }

  public arn(type: string, prefix: string): string {
    return this.physical[this.logicalId(type, prefix)].attributes.Arn;
  }

  public ref(type: string, prefix: string): string {
    return this.physical[this.logicalId(type, prefix)].ref;
  }

  /** Identity policies attached to the role with the given physical name (inline and managed). */
  public identityPolicies(roleName: string): { name: string; policy: unknown }[] {
    const out: { name: string; policy: unknown }[] = [...(this.attached.get(roleName) ?? [])];
    for (const [id, res] of Object.entries(this.resources)) {
      const props = res.Properties ?? {};
      if ((res.Type === 'AWS::IAM::ManagedPolicy' || res.Type === 'AWS::IAM::Policy') && (props.Roles ?? []).includes(roleName)) {
        out.push({ name: id, policy: props.PolicyDocument });
      }
    }
    return out;
  }

  /** The bucket policy of a bucket (by name) or the key policy of a key (by ARN). */
  public resourcePolicy(resourceArn: string): unknown | undefined {
    for (const res of Object.values(this.resources)) {
      const props = res.Properties ?? {};
      if (res.Type === 'AWS::S3::BucketPolicy' && resourceArn.startsWith('arn:aws:s3:::')) {
        const bucket = resourceArn.slice('arn:aws:s3:::'.length).split('/')[0];
        if (props.Bucket === bucket) return props.PolicyDocument;
      }
      if (res.Type === 'AWS::KMS::Key' && resourceArn.startsWith('arn:aws:kms:')) {
        const keyId = resourceArn.split('/')[1];
        const entry = Object.entries(this.physical).find(([lid]) => this.resources[lid] === res);
        if (entry && entry[1].ref === keyId) return props.KeyPolicy;
      }
      if (res.Type === 'AWS::DynamoDB::Table' && resourceArn.startsWith('arn:aws:dynamodb:') && props.ResourcePolicy) {
        const entry = Object.entries(this.physical).find(([lid]) => this.resources[lid] === res);
        if (entry && entry[1].attributes.Arn === resourceArn) return props.ResourcePolicy.PolicyDocument;
      }
    }
    return undefined;
  }

  /** Evaluates one request the way AWS would (identity policies + resource policy). */
  public async decide(req: SimRequest): Promise<Decision> {
    const roleArn = req.role;
    const roleName = roleArn.split('/').pop()!;
    const resourceAccount = this.accountOf(req.resource);
    const simulation: Simulation = {
      request: {
        principal: roleArn,
        action: req.action,
        resource: { resource: req.resource, accountId: resourceAccount },
        // What AWS puts in every request of an IAM role session (the deny-by-default statements test them).
        contextVariables: {
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': roleArn,
          'aws:PrincipalAccount': roleArn.split(':')[4],
          'aws:PrincipalIsAWSService': 'false',
          ...(req.context ?? {}),
        },
      },
      identityPolicies: this.identityPolicies(roleName),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: this.resourcePolicy(req.resource),
    };
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      throw new Error(`simulation of ${req.action} on ${req.resource} failed: ${JSON.stringify(response.errors)}`);
    }
    const ignored = response.resultType === 'single' ? response.result.ignoredContextKeys ?? [] : [];
    if (ignored.length === 0) return response.overallResult as Decision;
    // iam-simulate (0.1.x) only recognises `/`-separated variable keys (aws:PrincipalTag/x), so it
    // drops `kms:EncryptionContext:aws:s3:arn`. The validated run above has checked the policies and
    // the action; evaluate once more with the context exactly as given.
    const unknown = ignored.filter((k) => !k.toLowerCase().startsWith('kms:encryptioncontext:'));
    if (unknown.length > 0) {
      throw new Error(`context keys ${JSON.stringify(unknown)} do not apply to ${req.action}: fix the test request`);
    }
    // The unsafe engine loads the resource policy without a name and then reads it: hand it the
    // already-validated shape (iam-policy's ValidatedPolicy) with a name.
    const resourcePolicy = simulation.resourcePolicy
      ? { __validated: true, policyDocument: simulation.resourcePolicy, metadata: { name: 'resource-policy' } }
      : undefined;
    return runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) as Decision;
  }

  private accountOf(resourceArn: string): string {
    const account = resourceArn.split(':')[4];
    if (account) return account;
    // S3 ARNs carry no account: the owner is the account of the stack that defines the bucket.
    const bucket = resourceArn.slice('arn:aws:s3:::'.length).split('/')[0];
    const owner = this.bucketOwners.get(bucket);
    if (!owner) throw new Error(`unknown bucket in ${resourceArn}`);
    return owner;
  }
}
