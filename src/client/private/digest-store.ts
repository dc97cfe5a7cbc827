import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient, type GetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { describeError } from './aws-errors';
import { StateBackendError } from '../errors';
import type { RequestCounter } from './instrumentation';
import { DIGEST_ATTRIBUTE, LOCK_TABLE_PARTITION_KEY } from '../../protocol/constants';
import { parseStoredDigest } from '../../protocol/digest';

/** Logs what Terraform only logs. */
export type WarnFn = (message: string) => void;

/**
 * The DynamoDB digest item (`<bucket>/<statekey>-md5`). Terraform never fails an operation because of
 * it except on a read mismatch: write and delete failures are logged, an unreadable digest skips the
 * check.
 */
export class DigestStore {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly counter: RequestCounter,
    private readonly table: string,
    private readonly warn: WarnFn,
  ) {}

  /** The stored digest, or `undefined` when missing, malformed or unreadable (no check then). */
  public async get(digestLockId: string, signal?: AbortSignal): Promise<string | undefined> {
    let out: GetItemCommandOutput;
    try {
      out = await this.counter.send<GetItemCommandOutput>('dynamodb', this.dynamodb, new GetItemCommand({
        TableName: this.table,
        Key: { [LOCK_TABLE_PARTITION_KEY]: { S: digestLockId } },
        ProjectionExpression: `${LOCK_TABLE_PARTITION_KEY}, ${DIGEST_ATTRIBUTE}`,
        ConsistentRead: true,
      }), signal);
    } catch (e) {
      signal?.throwIfAborted();
      this.warn(`[WARN] failed to read state digest from dynamodb: ${describeError(e)}`);
      return undefined;
    }
    const raw = out.Item?.[DIGEST_ATTRIBUTE]?.S;
    const digest = parseStoredDigest(raw);
    if (raw !== undefined && digest === undefined) this.warn(`[WARN] invalid md5 in dynamodb for ${digestLockId}`);
    return digest;
  }

  /**
   * Unconditional PutItem after a state write; failure only logged (as Terraform), unless `strict`
   * (`digest repair`, whose whole point is the write).
   */
  public async put(digestLockId: string, md5: string, signal?: AbortSignal, strict = false): Promise<void> {
    try {
      await this.counter.send('dynamodb', this.dynamodb, new PutItemCommand({
        TableName: this.table,
        Item: { [LOCK_TABLE_PARTITION_KEY]: { S: digestLockId }, [DIGEST_ATTRIBUTE]: { S: md5 } },
      }), signal);
    } catch (e) {
      signal?.throwIfAborted();
      if (strict) throw new StateBackendError(`failed to store the state digest in DynamoDB table "${this.table}": ${describeError(e)}`, { cause: e });
      this.warn(`[WARN] failed to record state serial in dynamodb: ${describeError(e)}`);
    }
  }

  /** DeleteItem on workspace deletion; failure only logged, unless `strict`. */
  public async delete(digestLockId: string, signal?: AbortSignal, strict = false): Promise<void> {
    try {
      await this.counter.send('dynamodb', this.dynamodb, new DeleteItemCommand({
        TableName: this.table,
        Key: { [LOCK_TABLE_PARTITION_KEY]: { S: digestLockId } },
      }), signal);
    } catch (e) {
      signal?.throwIfAborted();
      if (strict) throw new StateBackendError(`failed to delete the state digest from DynamoDB table "${this.table}": ${describeError(e)}`, { cause: e });
      this.warn(`[WARN] failed to delete state digest from dynamodb: ${describeError(e)}`);
    }
  }
}
