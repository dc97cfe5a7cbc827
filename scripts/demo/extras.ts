/**
 * The demo's part for issue 12's extras: the bucket-wide lock report (`locks`, with `-older-than` and
 * its exit code), `pull -redact`, `migrate-locking` and the CDK Terrain snippet. Called by
 * `scripts/demo.ts` with its runner, after the history steps and before the doctor.
 */
import { spawnSync } from 'node:child_process';

/** What `scripts/demo.ts` passes in. */
export interface ExtrasDemoContext {
  /** Runs `tfstate ARGS` with the demo's local overrides appended, printing the command and its output. */
  readonly tfstate: (args: string[], input?: string) => { code: number | null; stdout: string };
  /** Prints a numbered heading. */
  readonly heading: (title: string) => void;
  /** The compiled CLI (`lib/cli/main.js`). */
  readonly cli: string;
  /** The environment every command runs with (local endpoints and credentials). */
  readonly env: NodeJS.ProcessEnv;
  /** The demo's local overrides (`-chdir WORK -backend-config ...`). */
  readonly local: readonly string[];
}

/** A state with a sensitive output, a sensitive attribute and provider private data. */
const SHARED_STATE = {
  version: 4,
  terraform_version: '1.10.5',
  serial: 1,
  lineage: '5f0c2b1e-6a43-4d2e-9a51-7b2f0e3c9d11',
  outputs: {
    db_endpoint: { value: 'db.internal:5432', type: 'string' },
    db_password: { value: 'correct-horse-battery-staple', type: 'string', sensitive: true },
  },
  resources: [{
    mode: 'managed',
    type: 'aws_db_instance',
    name: 'main',
    provider: 'provider["registry.terraform.io/hashicorp/aws"]',
    instances: [{
      schema_version: 2,
      attributes: { id: 'db-1', username: 'app', password: 'correct-horse-battery-staple' },
      sensitive_attributes: [[{ type: 'get_attr', value: 'password' }]],
      private: 'eyJzY2hlbWFfdmVyc2lvbiI6IjIifQ==',
    }],
  }],
  check_results: null,
};

/** Runs the extras walkthrough. */
export async function demoExtras(ctx: ExtrasDemoContext): Promise<void> {
  const { tfstate, heading } = ctx;

  heading('Every held lock of the bucket (locks), for on-call and cron');
  const lockId = tfstate(['lock', '-operation', 'OperationTypeApply', '-info', 'nightly apply', '-workspace', 'dev']).stdout.trim();
  process.stdout.write('Every key and workspace, lock files and DynamoDB lock items; exit 4 when a lock matches:\n');
  tfstate(['locks']);
  process.stdout.write('Only stale locks (for a cron job: exit 0 when none):\n');
  tfstate(['locks', '-older-than=1h']);
  tfstate(['unlock', lockId, '-workspace', 'dev']);

  heading('A redacted copy of a state for a ticket (pull -redact)');
  tfstate(['push', '-', '-workspace', 'shared'], JSON.stringify(SHARED_STATE, undefined, 2) + '\n');
  tfstate(['pull', '-redact', '-workspace', 'shared']);

  heading('From DynamoDB to the S3 lock file (migrate-locking)');
  // The demo's override use_lockfile=false would make the file edit meaningless (the runner refuses
  // settings that come from -backend-config), so these runs use backend.tf as written: both locks on.
  const local = ctx.local.filter((a, i, all) => !(a === 'use_lockfile=false' || all[i + 1] === 'use_lockfile=false'));
  const migrate = (args: string[]): void => {
    process.stdout.write(`$ tfstate ${args.join(' ')}\n`);
    const r = spawnSync(process.execPath, [ctx.cli, ...args, ...local], { env: ctx.env, encoding: 'utf8' });
    const indent = (text: string, prefix: string): string => text.replace(/\n$/, '').replace(/^/gm, prefix) + '\n';
    if (r.stdout) process.stdout.write(indent(r.stdout, '  '));
    if (r.stderr) process.stdout.write(indent(r.stderr, '  ! '));
    process.stdout.write(`  (exit ${r.status})\n`);
  };
  process.stdout.write('backend.tf already has use_lockfile = true beside dynamodb_table (phase 1). Phase 2, shown first:\n');
  migrate(['migrate-locking', '-lockfile-only', '-dry-run']);
  process.stdout.write('Run for real, it stops at the conditional-write probe: RGW accepts every If-None-Match PUT on a\n'
    + 'versioned bucket, so the lock file alone would exclude nobody here. Nothing is changed:\n');
  migrate(['migrate-locking', '-lockfile-only']);

  heading('The configuration as CDK Terrain (cdktn) S3Backend props');
  tfstate(['backend-config', '-format', 'cdktn']);
}
