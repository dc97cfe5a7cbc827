/**
 * The cold-start table: Node itself, the two SDK clients, the compiled client entry, then the CLI's
 * side-by-side rows from {@link cliColdStart}.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { cliColdStart } from './cold-start';
import { median } from './common';
import { QUICK } from './resources';

const ROOT = resolve(__dirname, '..');
const run = promisify(execFile);

export interface ColdRow { what: string; ms: number; note: string }

export async function coldStart(): Promise<ColdRow[]> {
  const n = QUICK ? 5 : 9;
  const time = async (args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
      xs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return median(xs);
  };
  const rows: ColdRow[] = [];
  rows.push({ what: '`node -e ""` (Node itself)', ms: await time(['-e', '']), note: 'floor' });
  rows.push({
    what: '`require` `@aws-sdk/client-s3` + `@aws-sdk/client-dynamodb`',
    ms: await time(['-e', "require('@aws-sdk/client-s3');require('@aws-sdk/client-dynamodb')"]),
    note: 'the two SDK clients alone',
  });
  if (existsSync(join(ROOT, 'lib/client/index.js'))) {
    rows.push({ what: "`require('cdk-tfstate-backend/client')` (lib/client)", ms: await time(['-e', "require('./lib/client')"]), note: 'compiled client' });
  } else {
    rows.push({ what: 'lib/client', ms: NaN, note: 'not compiled: run `npx projen compile` first' });
  }
  rows.push(...cliColdStart(ROOT, QUICK ? 9 : 21));
  return rows;
}

