import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backendBlockFromDir, configFiles } from '../../src/cli/config-files';

/**
 * Which files hold the backend block, as Terraform reads a module directory
 * (internal/configs/parser_file_matcher.go rootFiles, parser_config_dir.go IsIgnoredFile,
 * module.go appendFile/mergeFile) and as OpenTofu adds `.tofu` files to it.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfstate-files-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith('/')) mkdirSync(path.join(dir, name));
    else writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
const hcl = (bucket: string, type = 's3') => `terraform {\n  backend "${type}" {\n    bucket = "${bucket}"\n    key = "k"\n  }\n}\n`;
const json = (bucket: string) => JSON.stringify({ terraform: { backend: { s3: { bucket, key: 'k', assume_role: { role_arn: 'arn:aws:iam::1:role/r' } } } } });
const names = (dir: string) => {
  const f = configFiles(dir);
  return { primary: f.primary.map((p) => path.basename(p)), override: f.override.map((p) => path.basename(p)) };
};

test('.tf and .tf.json files in name order, override files apart; directories and editor files are not read', () => {
  const dir = project({
    'main.tf': '',
    'b.tf.json': '{}',
    'override.tf': '',
    'x_override.tf.json': '{}',
    'notes.txt': '',
    '.hidden.tf': '',
    'main.tf~': '',
    '#main.tf#': '',
    'dir.tf/': '',
    '.tf': '',
  });
  expect(names(dir)).toEqual({ primary: ['b.tf.json', 'main.tf'], override: ['override.tf', 'x_override.tf.json'] });
});

test('a backend block in JSON syntax is read like one in HCL', async () => {
  const dir = project({ 'backend.tf.json': json('from-json') });
  expect(await backendBlockFromDir(dir)).toEqual({
    file: path.join(dir, 'backend.tf.json'),
    attributes: { bucket: 'from-json', key: 'k', assume_role: { role_arn: 'arn:aws:iam::1:role/r' } },
  });
});

test('an override file\'s backend block replaces the module\'s whole; a hidden or editor copy is no second block', async () => {
  const dir = project({ 'main.tf': hcl('primary'), '.main.tf.swp.tf': hcl('hidden'), 'main.tf~': hcl('vim'), 'override.tf': hcl('overridden') });
  expect(await backendBlockFromDir(dir)).toMatchObject({ attributes: { bucket: 'overridden', key: 'k' }, file: path.join(dir, 'override.tf') });
  // An override may also change the backend type away from (or to) s3.
  const other = project({ 'main.tf': hcl('primary'), 'z_override.tf': hcl('x', 'local') });
  await expect(backendBlockFromDir(other)).rejects.toThrow(/z_override.tf: the configuration uses a "local" backend/);
});

test('two backend blocks among the primary files, or two in one override file, are Terraform\'s errors', async () => {
  await expect(backendBlockFromDir(project({ 'a.tf': hcl('a'), 'b.tf.json': json('b') }))).rejects.toThrow(/^Duplicate 'backend' configuration block: a module may have only one; .*a\.tf and .*b\.tf\.json both declare one/);
  await expect(backendBlockFromDir(project({ 'a.tf': hcl('a'), 'override.tf': hcl('b') + hcl('c') }))).rejects.toThrow(/override.tf declares 2; each override file may have only one/);
});

test('with .tofu files, OpenTofu\'s view: x.tofu replaces x.tf, x.tofu.json replaces x.tf.json', async () => {
  const dir = project({ 'main.tf': hcl('for-terraform'), 'main.tofu': hcl('for-tofu'), 'extra.tf.json': '{}', 'extra.tofu.json': '{}', 'vars.tf': '' });
  expect(names(dir).primary).toEqual(['extra.tofu.json', 'main.tofu', 'vars.tf']);
  expect((await backendBlockFromDir(dir))?.attributes.bucket).toBe('for-tofu');
});

test('an HCL file that never says "backend" is not parsed: a big or broken resource file costs nothing', async () => {
  const dir = project({ 'main.tf': hcl('found'), 'resources.tf': 'resource "x" "y" {\n  a = = 1\n' });
  expect((await backendBlockFromDir(dir))?.attributes.bucket).toBe('found');
  await expect(backendBlockFromDir(project({ 'main.tf': hcl('found'), 'other.tf': '# the backend\nresource "x" "y" {' })))
    .rejects.toThrow(/Cannot parse .*other\.tf as HCL/);
});

test('a JSON file that does not parse names itself', async () => {
  await expect(backendBlockFromDir(project({ 'main.tf.json': '{"terraform": ' }))).rejects.toThrow(/^Cannot parse .*main\.tf\.json as JSON: .*\nFix the syntax error in the file\.$/);
});

// internal/configs/module.go: a module stores its state in one place, a `backend`, a `cloud` or a
// `state_store` block (appendFile's "Conflicting ..." errors), and an override file's block of any
// kind replaces the module's (mergeFile unsets the other kinds).
describe('cloud and state_store blocks', () => {
  const cloud = 'terraform {\n  cloud {\n    organization = "acme"\n    workspaces {\n      name = "w"\n    }\n  }\n}\n';
  const store = 'terraform {\n  state_store "fs" {\n    provider "local" {}\n    path = "x"\n  }\n}\n';

  test('refused with what to do: the state is not in an S3 backend, flags or not', async () => {
    await expect(backendBlockFromDir(project({ 'main.tf': cloud }))).rejects.toThrow(
      /main\.tf: the configuration stores its state in HCP Terraform or Terraform Enterprise \(a "cloud" block\); tfstate only works with the "s3" backend\.\nRun tfstate in \(or -chdir to\) a directory/);
    await expect(backendBlockFromDir(project({ 'main.tf': store }))).rejects.toThrow(/main\.tf: the configuration stores its state with a state_store "fs" block/);
    await expect(backendBlockFromDir(project({ 'main.tf.json': JSON.stringify({ terraform: { cloud: { organization: 'acme' } } }) }))).rejects.toThrow(/"cloud" block/);
    await expect(backendBlockFromDir(project({ 'main.tf.json': JSON.stringify({ terraform: [{ state_store: { fs: { path: 'x' } } }] }) }))).rejects.toThrow(/state_store "fs"/);
  });

  test('two kinds among the primary files are Terraform\'s conflict; two of one kind its duplicate', async () => {
    await expect(backendBlockFromDir(project({ 'a.tf': hcl('a'), 'b.tf': cloud }))).rejects.toThrow(
      /^Conflicting 'cloud' and 'backend' configuration blocks are present: .*b\.tf declares a cloud block, .*a\.tf declares backend "s3"\. Keep one\./);
    await expect(backendBlockFromDir(project({ 'a.tf': hcl('a'), 'b.tf': store }))).rejects.toThrow(/^Conflicting 'state_store' and 'backend' configuration blocks/);
    await expect(backendBlockFromDir(project({ 'a.tf': store, 'b.tf': cloud }))).rejects.toThrow(/^Conflicting 'cloud' and 'state_store' configuration blocks/);
    await expect(backendBlockFromDir(project({ 'a.tf': hcl('a'), 'b.tf': store, 'c.tf': cloud }))).rejects.toThrow(/^Only one of 'cloud', 'state_store', or 'backend' configuration blocks are allowed/);
    await expect(backendBlockFromDir(project({ 'a.tf': cloud, 'b.tf': cloud }))).rejects.toThrow(/^Duplicate HCP Terraform configurations: /);
    await expect(backendBlockFromDir(project({ 'a.tf': store, 'b.tf': store }))).rejects.toThrow(/^Duplicate 'state_store' configuration block: /);
    // Two blocks of one type in one terraform block are two blocks.
    await expect(backendBlockFromDir(project({ 'a.tf': 'terraform {\n  backend "s3" {}\n  backend "s3" {}\n}\n' }))).rejects.toThrow(/^Duplicate 'backend' configuration block/);
  });

  test('an override file\'s block replaces one of another kind, both ways', async () => {
    await expect(backendBlockFromDir(project({ 'main.tf': hcl('primary'), 'override.tf': cloud }))).rejects.toThrow(/override\.tf: .*"cloud" block/);
    expect((await backendBlockFromDir(project({ 'main.tf': cloud, 'override.tf': hcl('from-override') })))?.attributes.bucket).toBe('from-override');
    expect((await backendBlockFromDir(project({ 'main.tf': store, 'x_override.tf.json': json('from-json') })))?.attributes.bucket).toBe('from-json');
    await expect(backendBlockFromDir(project({ 'main.tf': hcl('a'), 'override.tf': cloud + cloud }))).rejects.toThrow(/^Duplicate HCP Terraform configurations: .*override\.tf declares 2/);
  });

  test('a file that mentions the cloud in a comment or a name only is not parsed', async () => {
    const dir = project({ 'main.tf': hcl('found'), 'notes.tf': '# runs in the cloud\nresource "google_cloud_run_service" "x" {\n  a = = 1\n' });
    expect((await backendBlockFromDir(dir))?.attributes.bucket).toBe('found');
  });
});
