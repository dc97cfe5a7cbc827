import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliBucket, deleteCreated, requireCompiledCli, runCli } from './run-cli';
import { backendBlockHash } from '../../src/protocol/backend-change';
import { testServers } from '../support/servers';

/**
 * `tfstate` in a directory where `terraform init` ran: the recorded backend configuration and the
 * selected workspace (internal/command/workspace_select.go, workspace_show.go, meta.go).
 */

beforeAll(requireCompiledCli);
afterAll(deleteCreated);

/** The backend block of the directories below: the key only; init's -backend-config gave the rest. */
const BLOCK = { key: 'app/terraform.tfstate' };

/**
 * A working directory initialized like `terraform init -backend-config=...` on a main.tf naming the
 * key only (format of Terraform 1.11.4's BackendStateFile; the hash is the block's, before the
 * -backend-config values, as configs.Backend.Hash computes it).
 */
async function initialized(dataDir = '.terraform'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tfstate-init-'));
  const bucket = await cliBucket();
  writeFileSync(join(dir, 'main.tf'), `terraform {\n  backend "s3" {\n    key = "${BLOCK.key}"\n  }\n}\n`);
  mkdirSync(join(dir, dataDir), { recursive: true });
  const config = {
    bucket,
    ...BLOCK,
    region: testServers().region,
    use_lockfile: true,
    use_path_style: true,
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    dynamodb_table: null,
    encrypt: null,
    endpoints: { dynamodb: null, iam: null, s3: testServers().s3Endpoint, sso: null, sts: null },
  };
  writeFileSync(join(dir, dataDir, 'terraform.tfstate'), JSON.stringify({
    version: 3,
    terraform_version: '1.11.4',
    backend: { type: 's3', config, hash: backendBlockHash('s3', BLOCK, config) },
  }, null, 2));
  return dir;
}

describe('workspace select / show in an initialized directory', () => {
  test('select -or-create creates the workspace and records it; show, list and later commands use it', async () => {
    const dir = await initialized();
    const show = await runCli(['workspace', 'show'], { cwd: dir });
    expect([show.code, show.stdout]).toEqual([0, 'default\n']);

    const missing = await runCli(['workspace', 'select', 'dev'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Workspace "dev" doesn\'t exist.');

    const created = await runCli(['workspace', 'select', '-or-create', 'dev'], { cwd: dir });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created and switched to workspace "dev"!');
    expect(readFileSync(join(dir, '.terraform', 'environment'), 'utf8')).toBe('dev');

    expect((await runCli(['workspace', 'show'], { cwd: dir })).stdout).toBe('dev\n');
    const list = JSON.parse((await runCli(['workspace', 'list', '--json'], { cwd: dir })).stdout);
    expect(list).toEqual({ current: 'dev', workspaces: ['default', 'dev'] });
    const pulled = await runCli(['pull'], { cwd: dir });
    expect(JSON.parse(pulled.stdout)).toMatchObject({ version: 4, resources: [] });

    const back = await runCli(['workspace', 'select', 'default'], { cwd: dir });
    expect([back.code, back.stdout.trim()]).toEqual([0, 'Switched to workspace "default".']);
    expect((await runCli(['-chdir', dir, 'workspace', 'show'])).stdout).toBe('default\n');
  });

  test('TF_WORKSPACE overrides the selection: show prints it, select is refused', async () => {
    const dir = await initialized();
    expect((await runCli(['workspace', 'show'], { cwd: dir, env: { TF_WORKSPACE: 'ci' } })).stdout).toBe('ci\n');
    const r = await runCli(['workspace', 'select', 'default'], { cwd: dir, env: { TF_WORKSPACE: 'ci' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The selected workspace is currently overridden using the TF_WORKSPACE');
  });

  test('an invalid recorded selection stops other commands with Terraform\'s text; select recovers from it', async () => {
    const dir = await initialized('data');
    writeFileSync(join(dir, 'data', 'environment'), 'bad/name');
    const env = { TF_DATA_DIR: 'data' };
    const list = await runCli(['workspace', 'list'], { cwd: dir, env });
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('Invalid workspace name: The selected workspace described in');
    const fixed = await runCli(['workspace', 'select', 'default'], { cwd: dir, env });
    expect(fixed.code).toBe(0);
    expect(readFileSync(join(dir, 'data', 'environment'), 'utf8')).toBe('default');
    expect((await runCli(['workspace', 'list'], { cwd: dir, env })).code).toBe(0);
  });

  // internal/command/meta_backend.go, Meta.backendFromConfig: a changed block stops every command but init.
  test('a backend block changed since init stops the command, as Terraform does', async () => {
    const dir = await initialized();
    const unchanged = await runCli(['pull'], { cwd: dir });
    expect(unchanged.code).toBe(0);
    // The AWS SDK's Node-version notice is not a tfstate diagnostic (src/cli/main.ts filters it; it is emitted on Node < 22).
    expect(unchanged.stderr).not.toContain('NodeVersionSupportWarning');
    writeFileSync(join(dir, 'main.tf'), 'terraform {\n  backend "s3" {\n    key = "moved/terraform.tfstate"\n  }\n}\n');
    const r = await runCli(['pull'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error: Backend initialization required, please run "terraform init"');
    expect(r.stderr).toContain('Reason: Backend configuration block has changed');
  });
});
