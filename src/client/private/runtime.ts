import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { describeError } from './aws-errors';
import { RequestCounter, type SdkClientLike } from './instrumentation';
import type { RoleReader } from './replication-role';
import { createDynamoDbClient, createIamClient, createS3Client, createStsClient, type SdkSettings } from './sdk-clients';
import { ClientEncryption } from './state-encryption';
import type { ResolvedConfig } from '../../protocol/config';
import { StateBackendError } from '../errors';
import type { StateClientOptions } from '../types';

export type Env = Readonly<Record<string, string | undefined>>;

/** What all clients of one configuration share: SDK clients, counters, credential check. */
export class Runtime {
  public readonly counter = new RequestCounter();
  private stsChecked: Promise<void> | undefined;
  private sts: STSClient | undefined;
  private iam: SdkClientLike | undefined;
  private readonly owned: { destroy(): void }[] = [];
  public readonly s3: S3Client;
  public readonly dynamodb: DynamoDBClient | undefined;
  /** OpenTofu state encryption, read on first use (state-encryption.ts). */
  public readonly encryption: ClientEncryption;

  constructor(
    public readonly config: ResolvedConfig,
    public readonly env: Env,
    public readonly options: StateClientOptions,
    private readonly settings: SdkSettings,
  ) {
    if (options.s3) {
      this.s3 = options.s3;
    } else {
      this.s3 = createS3Client(config, settings);
      this.owned.push(this.s3);
    }
    if (!config.dynamodb_table) {
      this.dynamodb = undefined;
    } else if (options.dynamodb) {
      this.dynamodb = options.dynamodb;
    } else {
      this.dynamodb = createDynamoDbClient(settings);
      this.owned.push(this.dynamodb);
    }
    this.sts = options.sts;
    this.encryption = new ClientEncryption(options, env);
  }

  /**
   * Before the first operation, as Terraform's `Configure` does (here lazily, so building a client is free):
   *
   * | skip_credentials_validation | allowed/forbidden_account_ids | skip_requesting_account_id | check |
   * |---|---|---|---|
   * | false | any | any | one STS GetCallerIdentity, then the account lists |
   * | true | set | false | one STS GetCallerIdentity, then the account lists |
   * | true | set | true | no call; the account ID is unknown (`""`), so an allow list refuses it, as in Terraform |
   * | true | unset | any | nothing |
   *
   * Terraform looks the account ID up with IAM first when credentials are not validated; the client
   * asks STS only (see the README's backend options).
   */
  public async ready(signal?: AbortSignal): Promise<void> {
    const { skip_credentials_validation: skipValidation, skip_requesting_account_id: skipAccountId } = this.config;
    const listed = (this.config.allowed_account_ids?.length ?? 0) + (this.config.forbidden_account_ids?.length ?? 0) > 0;
    if (skipValidation && !listed) return;
    this.stsChecked ??= (async () => {
      let accountId = '';
      if (!skipValidation || !skipAccountId) accountId = await this.callerAccount(skipValidation, signal);
      const refusal = accountRefusal(accountId, this.config.allowed_account_ids, this.config.forbidden_account_ids);
      if (refusal) {
        throw new StateBackendError(`Invalid account ID: ${refusal}. The credentials belong to an account the backend configuration `
          + '(allowed_account_ids / forbidden_account_ids) excludes: use credentials of an allowed account, or fix the lists.', {}, 'ACCOUNT_NOT_ALLOWED');
      }
    })();
    try {
      await this.stsChecked;
    } catch (e) {
      // A failed or aborted check is retried by the next operation.
      this.stsChecked = undefined;
      throw e;
    }
  }

  private async callerAccount(skipValidation: boolean, signal: AbortSignal | undefined): Promise<string> {
    if (!this.sts) {
      this.sts = createStsClient(this.settings);
      this.owned.push(this.sts);
    }
    try {
      // Loaded here, not at import: most runs never validate credentials (see sdk-clients.ts).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { GetCallerIdentityCommand } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
      const identity = await this.counter.send<{ Account?: string }>('sts', this.sts, new GetCallerIdentityCommand({}), signal);
      return identity.Account ?? '';
    } catch (e) {
      // aws-sdk-go-base's texts: validation failures, else the account lookup's.
      const what = skipValidation
        ? 'Retrieving AWS account details: AWS account ID not previously found and failed retrieving via all available methods'
        : 'validating provider credentials: retrieving caller identity from STS';
      throw new StateBackendError(`${what}: ${describeError(e)}`, { cause: e });
    }
  }

  /**
   * Reads IAM roles (`iam:GetRole`) with the backend's credentials, for `tfstate doctor`'s look at the
   * replication role; undefined when `@aws-sdk/client-iam` is not installed (the doctor then says it
   * cannot tell). The IAM client is made on the first call.
   */
  public roleReader(): RoleReader | undefined {
    if (this.iam === undefined) {
      const client = createIamClient(this.settings);
      if (!client) return undefined;
      this.iam = client;
      this.owned.push(client);
    }
    const iam = this.iam;
    return {
      getTrustPolicy: async (roleName, signal) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { GetRoleCommand } = require('@aws-sdk/client-iam') as typeof import('@aws-sdk/client-iam');
        const out = await this.counter.send<{ Role?: { AssumeRolePolicyDocument?: string } }>('iam', iam, new GetRoleCommand({ RoleName: roleName }), signal);
        return out.Role?.AssumeRolePolicyDocument;
      },
    };
  }

  public destroy(): void {
    for (const c of this.owned.splice(0)) c.destroy();
    this.encryption.destroy();
  }
}

/** aws-sdk-go-base `Config.VerifyAccountIDAllowed`: its text, or undefined when the account may be used. */
export function accountRefusal(
  accountId: string, allowed: readonly string[] | undefined, forbidden: readonly string[] | undefined,
): string | undefined {
  if (forbidden?.length && forbidden.includes(accountId)) return `AWS account ID not allowed: ${accountId}`;
  if (allowed?.length && !allowed.includes(accountId)) return `AWS account ID not allowed: ${accountId}`;
  return undefined;
}
