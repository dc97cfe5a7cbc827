import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { describeError } from './aws-errors';
import { RequestCounter } from './instrumentation';
import { createDynamoDbClient, createS3Client, createStsClient, type SdkSettings } from './sdk-clients';
import type { ResolvedConfig } from '../../protocol/config';
import { StateBackendError } from '../errors';
import type { StateClientOptions } from '../types';

export type Env = Readonly<Record<string, string | undefined>>;

/** What all clients of one configuration share: SDK clients, counters, credential check. */
export class Runtime {
  public readonly counter = new RequestCounter();
  private stsChecked: Promise<void> | undefined;
  private sts: STSClient | undefined;
  private readonly owned: { destroy(): void }[] = [];
  public readonly s3: S3Client;
  public readonly dynamodb: DynamoDBClient | undefined;

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
  }

  /**
   * `skip_credentials_validation = false`: one STS GetCallerIdentity before the first operation, as
   * Terraform does when it configures the backend (here lazily, so building a client is free).
   */
  public async ready(signal?: AbortSignal): Promise<void> {
    if (this.config.skip_credentials_validation) return;
    this.stsChecked ??= (async () => {
      if (!this.sts) {
        this.sts = createStsClient(this.settings);
        this.owned.push(this.sts);
      }
      try {
        // Loaded here, not at import: most runs never validate credentials (see sdk-clients.ts).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { GetCallerIdentityCommand } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
        await this.counter.send('sts', this.sts, new GetCallerIdentityCommand({}), signal);
      } catch (e) {
        throw new StateBackendError(`validating provider credentials: retrieving caller identity from STS: ${describeError(e)}`, { cause: e });
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

  public destroy(): void {
    for (const c of this.owned.splice(0)) c.destroy();
  }
}
