/**
 * Turns the CloudFormation intrinsics of a synthesized template into concrete values, as a deployment
 * would, so that policies can be fed to an IAM policy simulator.
 *
 * Each resource gets a deterministic physical name derived from its logical ID (or its explicit name
 * property) and the ARN shape of its type. Only the intrinsics CDK emits for these stacks are
 * supported; anything else throws, so a new intrinsic cannot slip through unresolved.
 */

export interface ResolveEnv {
  readonly account: string;
  readonly region: string;
  /** Resolved values of resources defined in other templates (imports), by logical ID. */
  readonly extra?: Record<string, PhysicalResource>;
}

export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

/** Physical IDs of every resource of the template. */
export function physicalResources(template: Template, env: ResolveEnv): Record<string, PhysicalResource> {
  const out: Record<string, PhysicalResource> = { ...(env.extra ?? {}) };
  const { account, region } = env;
  for (const [logicalId, res] of Object.entries(template.Resources)) {
    const props = res.Properties ?? {};
    const lower = logicalId.toLowerCase();
    switch (res.Type) {
      case 'AWS::S3::Bucket': {
        const name = typeof props.BucketName === 'string' ? props.BucketName : `${lower}-bucket`;
        out[logicalId] = { ref: name, attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` } };
        break;
      }
      case 'AWS::KMS::Key': {
        const id = `0000${lower.length}-${lower.slice(0, 4).padEnd(4, 'x')}-4000-8000-${lower.slice(-12).padStart(12, '0')}`;
        out[logicalId] = { ref: id, attributes: { Arn: `arn:aws:kms:${region}:${account}:key/${id}`, KeyId: id } };
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const name = typeof props.TableName === 'string' ? props.TableName : `${logicalId}-table`;
        out[logicalId] = { ref: name, attributes: { Arn: `arn:aws:dynamodb:${region}:${account}:table/${name}` } };
        break;
      }
      case 'AWS::IAM::Role': {
        const name = typeof props.RoleName === 'string' ? props.RoleName : `${logicalId}-role`;
        out[logicalId] = { ref: name, attributes: { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${lower.toUpperCase().slice(0, 16)}` } };
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const arn = `arn:aws:iam::${account}:policy/${logicalId}`;
        out[logicalId] = { ref: arn, attributes: { PolicyArn: arn } };
        break;
      }
      case 'AWS::IAM::OIDCProvider': {
        const arn = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
        out[logicalId] = { ref: arn, attributes: { Arn: arn } };
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = `/aws/${logicalId}`;
        out[logicalId] = { ref: name, attributes: { Arn: `arn:aws:logs:${region}:${account}:log-group:${name}:*` } };
        break;
      }
      case 'AWS::Lambda::Function':
      case 'AWS::Events::Rule':
      case 'AWS::CloudWatch::Alarm': {
        // Only referenced by ARN in targets, permissions and alarm actions: never an IAM resource here.
        const arn = `arn:aws:${res.Type.split('::')[1].toLowerCase()}:${region}:${account}:${logicalId}`;
        out[logicalId] = { ref: logicalId, attributes: { Arn: arn } };
        break;
      }
      case 'AWS::SNS::Topic': {
        const arn = `arn:aws:sns:${region}:${account}:${logicalId}`;
        out[logicalId] = { ref: arn, attributes: { TopicArn: arn, TopicName: logicalId } };
        break;
      }
      case 'AWS::Backup::BackupVault': {
        const name = typeof props.BackupVaultName === 'string' ? props.BackupVaultName : logicalId;
        out[logicalId] = { ref: name, attributes: { BackupVaultName: name, BackupVaultArn: `arn:aws:backup:${region}:${account}:backup-vault:${name}` } };
        break;
      }
      case 'AWS::Backup::BackupPlan': {
        const id = `${logicalId}-plan-id`;
        out[logicalId] = { ref: id, attributes: { BackupPlanId: id, BackupPlanArn: `arn:aws:backup:${region}:${account}:backup-plan:${id}`, VersionId: 'v1' } };
        break;
      }
      default:
        out[logicalId] = { ref: `${logicalId}-physical-id`, attributes: {} };
    }
  }
  return out;
}

/** Deeply resolves `value` (a policy document, a property) against the template's resources. */
export function resolveIntrinsics(value: unknown, resources: Record<string, PhysicalResource>, env: ResolveEnv): unknown {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': env.account,
    'AWS::Region': env.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === 'Ref') {
      const name = obj.Ref as string;
      if (name in pseudo) return pseudo[name];
      const r = resources[name];
      if (!r) throw new Error(`resolveIntrinsics: Ref to unknown resource ${name}`);
      return r.ref;
    }
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const [name, attr] = obj['Fn::GetAtt'] as [string, string];
      const attribute = resources[name]?.attributes[attr];
      if (attribute === undefined) throw new Error(`resolveIntrinsics: unknown attribute ${name}.${attr}`);
      return attribute;
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return (walk(parts) as unknown[]).map(String).join(sep);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Select') {
      const [index, list] = obj['Fn::Select'] as [number, unknown];
      return (walk(list) as unknown[])[Number(index)];
    }
    if (keys.length === 1 && keys[0] === 'Fn::Split') {
      const [sep, s] = obj['Fn::Split'] as [string, unknown];
      return String(walk(s)).split(sep);
    }
    const intrinsic = keys.find((k) => k.startsWith('Fn::'));
    if (intrinsic) throw new Error(`resolveIntrinsics: unsupported intrinsic ${intrinsic}`);
    return Object.fromEntries(keys.map((k) => [k, walk(obj[k])]));
  };
  return walk(value);
}

/** A whole template with every intrinsic resolved. */
export function resolveTemplate(template: Template, env: ResolveEnv): { template: Template; resources: Record<string, PhysicalResource> } {
  const resources = physicalResources(template, env);
  // Only resources: Rules and Conditions use intrinsics (Fn::Contains, ...) that policies never need.
  return { template: { Resources: resolveIntrinsics(template.Resources, resources, env) as Template['Resources'] }, resources };
}
