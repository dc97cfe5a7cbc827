import { LOCK_MODES, LockMode, newBackend, stateWith } from './support';
import { StateClient } from '../../src/client';

/**
 * N clients each do lock → read → increment → write → unlock with a lock wait. On unversioned
 * buckets (RGW lets concurrent If-None-Match PUTs all succeed on versioned ones), the final counter
 * must equal the number of increments and no two clients may ever hold the lock at once.
 */
describe.each(LOCK_MODES)('contention with locking mode %s', (mode: LockMode) => {
  test('8 concurrent clients never hold the lock together and lose no update', async () => {
    const be = await newBackend(mode);
    const seed = be.client();
    await seed.writeState(Buffer.from(stateWith('L', 1, '0')));
    const clients: StateClient[] = Array.from({ length: 8 }, () => be.client({ lockRetry: { initialDelayMs: 10, maxDelayMs: 80 } }));
    const rounds = 3;
    let holders = 0;
    let maxHolders = 0;
    let lockAndWritePuts = 0;

    await Promise.all(clients.map(async (client, n) => {
      for (let r = 0; r < rounds; r++) {
        await client.withLock(async () => {
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          try {
            const current = (await client.readState())!;
            const value = Number(current.state.outputs.out.value) + 1;
            // Yield so that other clients get a chance to (wrongly) enter.
            await new Promise((resolve) => setTimeout(resolve, 5));
            await client.writeState(Buffer.from(stateWith('L', current.state.serial + 1, String(value))));
          } finally {
            holders--;
          }
        }, { operation: 'OperationTypeApply', who: `client-${n}`, timeoutMs: 60_000 });
      }
      lockAndWritePuts += (client.requestCounts.s3.PutObject ?? 0) + (client.requestCounts.dynamodb.PutItem ?? 0);
    }));

    const final = (await seed.readState())!;
    expect(maxHolders).toBe(1);
    expect(final.state.outputs.out.value).toBe(String(clients.length * rounds));
    expect(final.state.serial).toBe(1 + clients.length * rounds);
    // The clients really contended: more PUTs than an uncontended run makes (per round: the state PUT,
    // the digest PutItem when a table is configured, and one PUT per lock mechanism).
    const perRound = 1 + (mode === 'lockfile' ? 0 : 1) + (mode === 'both' ? 2 : 1);
    expect(lockAndWritePuts).toBeGreaterThan(clients.length * rounds * perRound);
    await expect(seed.getLockInfo()).resolves.toBeUndefined();
    for (const c of clients) c.destroy();
    seed.destroy();
    await be.destroy();
  }, 120_000);
});
