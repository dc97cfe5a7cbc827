/**
 * The Lambda handler of the stale-lock monitor (`StateBackendMonitoring`). It runs on the Node.js
 * Lambda runtime and uses that runtime's AWS SDK v3 (`@aws-sdk/client-s3`, `-dynamodb`, `-sns`): the
 * asset holds only this package's compiled files, so synthesis needs no bundling step.
 *
 * Configuration (environment, set by the construct):
 *
 * | variable | meaning |
 * |---|---|
 * | `TFSTATE_BUCKET` | state bucket |
 * | `TFSTATE_LOCK_TABLE` | lock table (optional) |
 * | `TFSTATE_WORKSPACE_KEY_PREFIX` | `workspace_key_prefix` (optional, default `env:`) |
 * | `TFSTATE_STALE_AFTER_SECONDS` | age from which a lock is stale |
 * | `TFSTATE_INTERVAL_SECONDS` | schedule period (a stale lock is announced once) |
 * | `TFSTATE_TOPIC_ARN` | SNS topic for the message naming the stale locks (optional) |
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { StaleLockCheck, checkStaleLocks, metricRecord, staleLockMessage } from './stale-locks';

type Env = Readonly<Record<string, string | undefined>>;

/** Sends the message naming the stale locks (SNS in Lambda). */
export type Publish = (topicArn: string, subject: string, message: string) => Promise<void>;

/** What the handler is built from; tests pass local-server clients and a recording publisher. */
export interface StaleLockRunDeps {
  readonly env: Env;
  readonly s3: S3Client;
  readonly dynamodb?: DynamoDBClient;
  readonly publish: Publish;
  /** Where the metric record goes (stdout in Lambda, read by CloudWatch Logs). */
  readonly log: (line: string) => void;
  readonly now?: Date;
  readonly signal?: AbortSignal;
}

function positiveSeconds(env: Env, name: string): number {
  const raw = env[name];
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}: the StateBackend monitoring construct sets it.`);
  }
  return n * 1000;
}

/** One run: check, log the metric record, publish the message about newly stale locks. */
export async function runStaleLockCheck(deps: StaleLockRunDeps): Promise<StaleLockCheck> {
  const bucket = deps.env.TFSTATE_BUCKET;
  if (!bucket) throw new Error('TFSTATE_BUCKET is not set: the StateBackend monitoring construct sets it to the state bucket.');
  const lockTable = deps.env.TFSTATE_LOCK_TABLE || undefined;
  const check = await checkStaleLocks({
    s3: deps.s3,
    dynamodb: lockTable ? deps.dynamodb : undefined,
    backend: { bucket, lockTable, workspaceKeyPrefix: deps.env.TFSTATE_WORKSPACE_KEY_PREFIX },
    thresholdMs: positiveSeconds(deps.env, 'TFSTATE_STALE_AFTER_SECONDS'),
    intervalMs: positiveSeconds(deps.env, 'TFSTATE_INTERVAL_SECONDS'),
    now: deps.now,
    signal: deps.signal,
  });
  deps.log(JSON.stringify(metricRecord(check)));
  const message = staleLockMessage(check);
  const topic = deps.env.TFSTATE_TOPIC_ARN;
  if (message && topic) await deps.publish(topic, message.subject, message.message);
  return check;
}

let clients: { s3: S3Client; dynamodb: DynamoDBClient } | undefined;

/** SNS through the Lambda runtime's SDK, loaded only when there is something to send. */
const snsPublish: Publish = async (topicArn, subject, message) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sns = require('@aws-sdk/client-sns') as {
    SNSClient: new () => { send(c: unknown): Promise<unknown> };
    PublishCommand: new (input: { TopicArn: string; Subject: string; Message: string }) => unknown;
  };
  await new sns.SNSClient().send(new sns.PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
};

/** The Lambda entry point (scheduled by EventBridge). */
export async function handler(): Promise<{ stale: number; held: number }> {
  clients ??= { s3: new S3Client({}), dynamodb: new DynamoDBClient({}) };
  const check = await runStaleLockCheck({
    env: process.env,
    ...clients,
    publish: snsPublish,
    log: (line) => console.log(line),
  });
  return { stale: check.stale.length, held: check.heldCount };
}
