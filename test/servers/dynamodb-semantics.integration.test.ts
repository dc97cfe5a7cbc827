import {
  ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createLockTable, dynamoClient } from '../support/servers';

/**
 * What the DynamoDB locker relies on: Terraform takes the lock with a PutItem conditioned on
 * `attribute_not_exists(LockID)` and releases it with a DeleteItem conditioned on the holder's Info.
 */
describe('DynamoDB Local conditional writes', () => {
  const dynamodb = dynamoClient();
  afterAll(() => dynamodb.destroy());

  const RACERS = 20;
  const ROUNDS = 3;

  const acquire = (table: string, lockId: string, info: string) => dynamodb.send(new PutItemCommand({
    TableName: table,
    Item: { LockID: { S: lockId }, Info: { S: info } },
    ConditionExpression: 'attribute_not_exists(LockID)',
  }));

  test(`exactly one of ${RACERS} concurrent conditional PutItems wins, the others get ConditionalCheckFailedException (${ROUNDS} rounds)`, async () => {
    const table = await createLockTable();
    for (let round = 0; round < ROUNDS; round++) {
      const lockId = `bucket/app-${round}.tfstate`;
      const infos = Array.from({ length: RACERS }, (_, i) => `{"ID":"racer-${i}"}`);
      const results = await Promise.allSettled(infos.map((info) => acquire(table, lockId, info)));
      const winners = infos.filter((_, i) => results[i].status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConditionalCheckFailedException);
      }
      const stored = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { LockID: { S: lockId } }, ConsistentRead: true }));
      expect(stored.Item?.Info?.S).toBe(winners[0]);
    }
  });

  test('a failed condition returns the holder\'s item when asked (ReturnValuesOnConditionCheckFailure)', async () => {
    const table = await createLockTable();
    await acquire(table, 'bucket/app.tfstate', '{"ID":"holder"}');
    const failure = await dynamodb.send(new PutItemCommand({
      TableName: table,
      Item: { LockID: { S: 'bucket/app.tfstate' }, Info: { S: '{"ID":"intruder"}' } },
      ConditionExpression: 'attribute_not_exists(LockID)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item?.Info?.S).toBe('{"ID":"holder"}');
  });

  test('a DeleteItem conditioned on the holder\'s Info releases only a matching lock', async () => {
    const table = await createLockTable();
    await acquire(table, 'bucket/app.tfstate', '{"ID":"holder"}');
    const release = (info: string) => dynamodb.send(new DeleteItemCommand({
      TableName: table,
      Key: { LockID: { S: 'bucket/app.tfstate' } },
      ConditionExpression: 'Info = :info',
      ExpressionAttributeValues: { ':info': { S: info } },
    }));
    await expect(release('{"ID":"someone-else"}')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await release('{"ID":"holder"}');
    const gone = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { LockID: { S: 'bucket/app.tfstate' } }, ConsistentRead: true }));
    expect(gone.Item).toBeUndefined();
  });
});
