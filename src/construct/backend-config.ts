import { CfnOutput, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  escapeHclLiteral,
  renderSnippet,
  SnippetFormat,
  SnippetQuoting,
  SnippetValues,
} from './backend-config-render';

/**
 * Formats a `BackendConfig` renders to.
 */
export enum BackendConfigFormat {
  /** A `terraform { backend "s3" { ... } }` block for a `.tf` file. */
  TERRAFORM = 'tf',
  /** A file for `terraform init -backend-config=FILE` (top-level attributes). */
  BACKEND_CONFIG_FILE = 'hcl',
  /** A Terragrunt `remote_state` block. */
  TERRAGRUNT = 'terragrunt',
  /** Props for CDKTF's `S3Backend`, as JSON (camelCase names). */
  CDKTF = 'cdktf',
  /** Props for CDK Terrain's `S3Backend` (package `cdktn`, CDKTF's successor), as JSON (camelCase names). */
  CDKTN = 'cdktn',
  /** The backend attributes as JSON with Terraform's snake_case names. */
  JSON = 'json',
}

/**
 * Options for `StateBackend.backendConfig()`.
 */
export interface BackendConfigOptions {
  /**
   * The state object key of the Terraform configuration (`key`), e.g. `network/terraform.tfstate`.
   */
  readonly key: string;

  /**
   * The `workspace_key_prefix` to write into the snippet.
   *
   * @default - the backend's workspace key prefix (left out of the snippet when it is Terraform's default `env:`)
   */
  readonly workspaceKeyPrefix?: string;

  /**
   * A role Terraform assumes to reach the backend (`assume_role = { role_arn = ... }`).
   *
   * @default - no role: Terraform uses its ambient credentials
   */
  readonly role?: iam.IRole;

  /**
   * Tags of this configuration's state object: OpenTofu's `state_tags` (OpenTofu 1.11 and later;
   * Terraform refuses the attribute). Rendered in the HCL, Terragrunt and JSON formats; CDKTF and CDK
   * Terrain have no such prop (use an override there).
   *
   * @default - no `state_tags`
   */
  readonly stateTags?: { [key: string]: string };
}

/**
 * The backend attributes a `BackendConfig` renders. Values may be CDK tokens.
 */
export interface BackendConfigProps {
  /** `bucket`. */
  readonly bucketName: string;

  /** `key`. */
  readonly key: string;

  /** `region`. */
  readonly region: string;

  /**
   * `encrypt`.
   *
   * @default true
   */
  readonly encrypt?: boolean;

  /**
   * `kms_key_id`: the ARN of the KMS key for SSE-KMS.
   *
   * @default - not set (S3-managed encryption when `encrypt` is true)
   */
  readonly kmsKeyId?: string;

  /**
   * `use_lockfile`.
   *
   * @default false
   */
  readonly useLockfile?: boolean;

  /**
   * `dynamodb_table`.
   *
   * @default - not set (no DynamoDB locking or digest)
   */
  readonly dynamodbTable?: string;

  /**
   * `workspace_key_prefix`.
   *
   * @default - not set (Terraform's default `env:`)
   */
  readonly workspaceKeyPrefix?: string;

  /**
   * `assume_role.role_arn`.
   *
   * @default - not set
   */
  readonly roleArn?: string;

  /**
   * `state_tags` (OpenTofu 1.11 and later).
   *
   * @default - not set
   */
  readonly stateTags?: { [key: string]: string };

  /**
   * `lock_tags` (OpenTofu 1.11 and later).
   *
   * @default - not set
   */
  readonly lockTags?: { [key: string]: string };
}

/**
 * Options for `BackendConfig.addOutput()`.
 */
export interface BackendConfigOutputOptions {
  /**
   * The format of the rendered snippet held by the output.
   *
   * @default BackendConfigFormat.BACKEND_CONFIG_FILE
   */
  readonly format?: BackendConfigFormat;

  /**
   * The output's description.
   *
   * @default - a description naming the format
   */
  readonly description?: string;

  /**
   * Also store the snippet in an SSM String parameter of this name.
   *
   * @default - no SSM parameter
   */
  readonly parameterName?: string;
}

/** CDK's string token markers: kept verbatim so that CloudFormation substitutes them at deploy time. */
const TOKEN_MARKER = /\$\{Token\[[^\]]+\]\}/g;

/**
 * Quoting that escapes literal text but leaves CDK token markers alone. AWS names and ARNs never contain
 * characters that HCL or JSON would escape, so the resolved values need no escaping either.
 */
const TOKEN_AWARE_QUOTING: SnippetQuoting = {
  hcl(value: string): string {
    let out = '';
    let last = 0;
    for (const match of value.matchAll(TOKEN_MARKER)) {
      out += escapeHclLiteral(value.slice(last, match.index)) + match[0];
      last = match.index + match[0].length;
    }
    return `"${out + escapeHclLiteral(value.slice(last))}"`;
  },
  json(value: unknown): string {
    return JSON.stringify(value, undefined, 2);
  },
};

/**
 * S3 backend configuration for one Terraform configuration, rendered as a Terraform backend block,
 * a `-backend-config` file, a Terragrunt `remote_state` block, CDKTF `S3Backend` props or plain JSON.
 *
 * When any value is an unresolved token (a bucket name chosen by CloudFormation, `AWS::Region`),
 * the rendered strings contain token markers: put them in a `CfnOutput` (see `addOutput`) and
 * CloudFormation resolves them at deploy time.
 *
 * @example
 * const config = new BackendConfig({ bucketName: 'my-state', key: 'app/terraform.tfstate', region: 'eu-west-1', useLockfile: true });
 * const hcl = config.toTerraformBlock();
 */
export class BackendConfig {
  /** The attributes this configuration renders. */
  public readonly props: BackendConfigProps;

  constructor(props: BackendConfigProps) {
    if (!Token.isUnresolved(props.key)) {
      if (props.key.trim() === '') {
        throw new Error('BackendConfig: "key" is empty. Pass the state object key, e.g. { key: "app/terraform.tfstate" }.');
      }
      if (props.key.startsWith('/') || props.key.endsWith('/')) {
        throw new Error(`BackendConfig: "key" must not start or end with "/", got "${props.key}". Remove the leading or trailing slash.`);
      }
      if (props.key.includes('//')) {
        throw new Error(`BackendConfig: "key" must not contain "//", got "${props.key}". Collapse the double slash.`);
      }
    }
    const prefix = props.workspaceKeyPrefix;
    if (prefix !== undefined && !Token.isUnresolved(prefix) && (prefix.startsWith('/') || prefix.endsWith('/'))) {
      throw new Error(`BackendConfig: "workspaceKeyPrefix" must not start or end with "/", got "${prefix}". Remove the slash.`);
    }
    this.props = props;
  }

  /** A `terraform { backend "s3" { ... } }` block. */
  public toTerraformBlock(): string {
    return this.render(BackendConfigFormat.TERRAFORM);
  }

  /** A file for `terraform init -backend-config=FILE`. */
  public toBackendConfigFile(): string {
    return this.render(BackendConfigFormat.BACKEND_CONFIG_FILE);
  }

  /** A Terragrunt `remote_state` block. */
  public toTerragrunt(): string {
    return this.render(BackendConfigFormat.TERRAGRUNT);
  }

  /** CDKTF `S3Backend` props as JSON. */
  public toCdktfJson(): string {
    return this.render(BackendConfigFormat.CDKTF);
  }

  /** CDK Terrain (`cdktn`) `S3Backend` props as JSON. */
  public toCdktnJson(): string {
    return this.render(BackendConfigFormat.CDKTN);
  }

  /** The backend attributes as JSON (Terraform's names). */
  public toJson(): string {
    return this.render(BackendConfigFormat.JSON);
  }

  /** Renders the configuration in `format`. */
  public render(format: BackendConfigFormat): string {
    return renderSnippet(this.snippetValues(), format as SnippetFormat, TOKEN_AWARE_QUOTING);
  }

  /**
   * Adds a `CfnOutput` (and optionally an SSM parameter) holding the rendered snippet, so that names
   * chosen at deploy time appear resolved in the stack outputs.
   *
   * @param scope where the output (and parameter) are created
   * @param id construct ID of the output; the parameter gets `${id}Parameter`
   */
  public addOutput(scope: Construct, id: string, options: BackendConfigOutputOptions = {}): CfnOutput {
    const format = options.format ?? BackendConfigFormat.BACKEND_CONFIG_FILE;
    const value = this.render(format);
    const output = new CfnOutput(scope, id, {
      value,
      description: options.description ?? `Terraform S3 backend configuration (${format})`,
    });
    if (options.parameterName !== undefined) {
      new ssm.StringParameter(scope, `${id}Parameter`, {
        parameterName: options.parameterName,
        stringValue: value,
        description: `Terraform S3 backend configuration (${format})`,
      });
    }
    return output;
  }

  private snippetValues(): SnippetValues {
    const p = this.props;
    return {
      bucket: p.bucketName,
      key: p.key,
      region: p.region,
      encrypt: p.encrypt ?? true,
      kmsKeyId: p.kmsKeyId,
      useLockfile: p.useLockfile,
      dynamodbTable: p.dynamodbTable,
      workspaceKeyPrefix: p.workspaceKeyPrefix,
      roleArn: p.roleArn,
      stateTags: p.stateTags,
      lockTags: p.lockTags,
    };
  }
}
