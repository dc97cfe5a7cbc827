/**
 * What every bench group shares: the run's flags, logging, and the buckets and tables it creates
 * (deleted at the end when the servers are reused).
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { rawClients } from './common';
import { LOCK_TABLE_PARTITION_KEY } from '../src/protocol/constants';
import { newEmptyState, type StateFile } from '../src/protocol/state';
import type { LocalServers } from '../test/setup/local-servers';

/** `--quick`: small sizes only. */
export const QUICK = process.argv.includes('--quick');
export const MiB = 1024 * 1024;

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Buckets and tables created in this run. */
export const created: { buckets: string[]; tables: string[] } = { buckets: [], tables: [] };

export async function createBucket(servers: LocalServers, name: string): Promise<void> {
  created.buckets.push(name);
  const { s3 } = rawClients(servers);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  s3.destroy();
}

export async function createTable(servers: LocalServers, name: string): Promise<void> {
  created.tables.push(name);
  const { dynamodb } = rawClients(servers);
  await dynamodb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: LOCK_TABLE_PARTITION_KEY, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: LOCK_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  dynamodb.destroy();
}

export const unique = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A small state with a numeric `counter` output. */
export function smallState(serial: number, counter = 0): StateFile {
  return {
    ...newEmptyState({ terraformVersion: '1.10.0' }),
    lineage: '0e4b3a1c-1111-2222-3333-444455556666',
    serial,
    outputs: { counter: { value: counter, type: 'number' }, url: { value: 'https://example.com', type: 'string' } },
  };
}

/** Formatters of the report. */
export const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
