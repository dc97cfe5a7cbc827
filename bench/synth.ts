/**
 * Synth time of a `StateBackend` with N access roles (construct side; no server).
 */
import { median } from './common';

export interface SynthRow { roles: number; ms: number }

export async function synth(): Promise<SynthRow[]> {
  const { App, Stack } = await import('aws-cdk-lib');
  const iam = await import('aws-cdk-lib/aws-iam');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { StateBackend } = require('../src') as typeof import('../src/index');
  const once = (roles: number) => {
    const t = process.hrtime.bigint();
    const app = new App();
    const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'eu-west-1' } });
    const backend = new StateBackend(stack, 'Backend');
    for (let i = 0; i < roles; i++) {
      backend.addAccessRole(`Role${i}`, { assumedBy: new iam.AccountPrincipal(String(200000000000 + i)) });
    }
    app.synth();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  once(1);
  const rows: SynthRow[] = [];
  for (const roles of [1, 50, 200]) {
    rows.push({ roles, ms: median([once(roles), once(roles), once(roles)]) });
  }
  return rows;
}

