/**
 * Large states (1 MB to 1 GiB): streaming push, pull and outputs, each operation in its own Node
 * process (bench/child.ts) so that its peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeCounts } from './request-counts';
import { MiB, QUICK, createBucket, log, unique } from './resources';
import { writeSyntheticState } from './synthetic-state';
import type { StateClient } from '../src/client';
import type { LocalServers } from '../test/setup/local-servers';

const ROOT = resolve(__dirname, '..');

export interface SizeRow { size: string; op: string; ms: number; deltaMiB: number; mibPerS: number; requests: string }

function child(servers: LocalServers, args: string[]): Promise<{ ms: number; baselineKiB: number; peakKiB: number; requests: StateClient['requestCounts'] }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', join(__dirname, 'child.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, TFSTATE_TEST_SERVERS: JSON.stringify(servers), NODE_NO_WARNINGS: '1', TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`child ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

export async function largeStates(servers: LocalServers, dir: string): Promise<SizeRow[]> {
  const sizes: [string, number][] = QUICK
    ? [['1 MB', 1e6], ['64 MB', 64e6]]
    : [['1 MB', 1e6], ['64 MB', 64e6], ['512 MB', 512e6], ['1 GiB', 1024 * MiB]];
  const bucket = unique('bench-large');
  await createBucket(servers, bucket);
  const rows: SizeRow[] = [];
  for (const [label, bytes] of sizes) {
    const file = join(dir, `state-${bytes}.tfstate`);
    log(`generating ${label} state`);
    await writeSyntheticState(file, bytes);
    const size = statSync(file).size;
    const key = `large/${bytes}/terraform.tfstate`;
    const ops = ['push', 'pull', 'outputs', ...(bytes <= 64e6 ? ['read-in-memory'] : [])];
    for (const op of ops) {
      log(`${label}: ${op}`);
      const r = await child(servers, [op, bucket, key, file]);
      rows.push({
        size: label,
        op: op === 'read-in-memory' ? 'readState (in memory, for contrast)' : op,
        ms: r.ms,
        deltaMiB: (r.peakKiB - r.baselineKiB) / 1024,
        mibPerS: op === 'outputs' ? NaN : size / MiB / (r.ms / 1000),
        requests: describeCounts(r.requests),
      });
    }
    rmSync(file, { force: true });
  }
  return rows;
}

