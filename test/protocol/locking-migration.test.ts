import {
  formatMigrationPlan,
  LockingMigrationError,
  lockingMigrationEdit,
  planLockingMigration,
} from '../../src/protocol/locking-migration';

const CONFIG = { bucket: 'acme-tfstate', key: 'network/terraform.tfstate', dynamodbTable: 'tf-locks', workspaces: ['default', 'staging'] };

describe('planLockingMigration', () => {
  test('phase "both": checks, then the edit, then init, and no digest cleaning yet', () => {
    const steps = planLockingMigration({ ...CONFIG, file: 'main.tf' }, 'both');
    expect(steps.map((s) => s.id)).toEqual(['check-no-lock', 'probe-conditional-writes', 'edit-backend', 'reinit', 'next']);
    expect(steps[0].lockItems).toEqual(['acme-tfstate/network/terraform.tfstate', 'acme-tfstate/env:/staging/network/terraform.tfstate']);
    expect(steps[0].lockFiles).toEqual(['network/terraform.tfstate.tflock', 'env:/staging/network/terraform.tfstate.tflock']);
    expect(steps[2].text).toMatch(/main\.tf.*use_lockfile = true and keep dynamodb_table/);
  });

  test('phase "lockfile-only": also checks lock files and cleans the -md5 digest item of every workspace', () => {
    const steps = planLockingMigration({ ...CONFIG, useLockfile: true, workspaceKeyPrefix: 'tenants' }, 'lockfile-only');
    expect(steps.map((s) => s.id)).toEqual(['check-no-lock', 'probe-conditional-writes', 'print-snippet', 'clean-digests', 'reinit', 'next']);
    expect(steps[0].targets).toEqual([
      'acme-tfstate/network/terraform.tfstate',
      'acme-tfstate/tenants/staging/network/terraform.tfstate',
      'network/terraform.tfstate.tflock',
      'tenants/staging/network/terraform.tfstate.tflock',
    ]);
    expect(steps[3].digestItems).toEqual(['acme-tfstate/network/terraform.tfstate-md5', 'acme-tfstate/tenants/staging/network/terraform.tfstate-md5']);
    expect(steps[3].text).toContain('does not have the expected content');
  });

  test('only the default workspace when none are listed', () => {
    expect(planLockingMigration({ bucket: 'b', key: 'k', dynamodbTable: 't' }, 'both')[0].targets).toEqual(['b/k', 'k.tflock']);
  });

  test.each([
    ['no dynamodb_table and no lock file', { bucket: 'b', key: 'k' }, 'both', 'NO_DYNAMODB'],
    ['the lock file alone already', { bucket: 'b', key: 'k', useLockfile: true }, 'both', 'ALREADY_MIGRATED'],
    ['the first phase done, asked again', { bucket: 'b', key: 'k', dynamodbTable: 't', useLockfile: true }, 'both', 'ALREADY_MIGRATED'],
    ['the second phase before the first', { bucket: 'b', key: 'k', dynamodbTable: 't' }, 'lockfile-only', 'PHASE_ORDER'],
  ] as const)('fails with a named error for %s', (_what, config, phase, code) => {
    expect(() => planLockingMigration(config, phase)).toThrow(LockingMigrationError);
    try {
      planLockingMigration(config, phase);
    } catch (e) {
      expect((e as LockingMigrationError).code).toBe(code);
    }
  });

  test('the dry-run text numbers the steps and lists their targets', () => {
    const text = formatMigrationPlan(planLockingMigration({ bucket: 'b', key: 'k', dynamodbTable: 't', useLockfile: true }, 'lockfile-only'));
    expect(text).toMatch(/^1\. Check that no lock is held/);
    expect(text).toContain('\n     - b/k-md5\n');
    expect(text.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(6);
  });

  test('the phases edit the backend as OpenTofu documents: both on, then the lock file alone', () => {
    expect(lockingMigrationEdit('both')).toEqual({ set: [['use_lockfile', 'true']], after: 'dynamodb_table' });
    expect(lockingMigrationEdit('lockfile-only')).toEqual({ set: [['use_lockfile', 'true']], remove: ['dynamodb_table'] });
  });
});
