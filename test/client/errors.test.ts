import { BucketNotFoundError, LockReleaseError, StateLockedError, WorkspaceError } from '../../src/client';
import { parseLockInfo, parseLockInfoLenient } from '../../src/protocol/lock-info';
import { parseState } from '../../src/protocol/state';
import { workspaceNameError, workspaceNotEmptyDiagnostic } from '../../src/protocol/workspace-rules';

const HOLDER = {
  ID: 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90',
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'alice@host1',
  Version: '1.10.0',
  Created: '2025-01-02T03:04:05.123456789Z',
  Path: 'b/path/to/terraform.tfstate',
};

describe('lock errors as Terraform prints them (internal/command/clistate/state.go, statemgr.LockError)', () => {
  test('a held lock: "Error acquiring the state lock" with the LockError text (cause, then Lock Info) and Terraform\'s newlines', () => {
    const e = new StateLockedError('the lock file s3://b/k.tflock already exists', HOLDER);
    expect(e.terraformMessage).toBe(
      '\nError: Error acquiring the state lock\n\n' +
      'Error message: the lock file s3://b/k.tflock already exists\n' +
      'Lock Info:\n' +
      '  ID:        a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90\n' +
      '  Path:      b/path/to/terraform.tfstate\n' +
      '  Operation: OperationTypeApply\n' +
      '  Who:       alice@host1\n' +
      '  Version:   1.10.0\n' +
      '  Created:   2025-01-02 03:04:05.123456789 +0000 UTC\n' +
      '  Info:      \n' +
      '\n\n' +
      'Terraform acquires a state lock to protect the state from being written\n' +
      'by multiple users at the same time. Please resolve the issue above and try\n' +
      'again. For most commands, you can disable locking with the "-lock=false"\n' +
      'flag, but this is not recommended.\n',
    );
    expect(e.terraformDiagnostics.map((d) => d.summary)).toEqual(['Error acquiring the state lock']);
  });

  test('a failed release: "Error releasing the state lock" around the unlock error, the message keeps the backend\'s text', () => {
    const e = new LockReleaseError('Error unlocking S3 state. Lock ID: X\n\nError: boom\n\nYou may have to force-unlock this state in order to use it again.', 'X', { unlockError: 'failed to unlock DynamoDB: boom' });
    const [d] = e.terraformDiagnostics;
    expect(d.summary).toBe('Error releasing the state lock');
    expect(d.detail).toMatch(/^Error message: failed to unlock DynamoDB: boom\n\nTerraform acquires a lock when accessing your state/);
    expect(d.detail).toMatch(/that no one else is holding a lock\.$/);
    expect(e.message).toMatch(/^Error unlocking S3 state\. Lock ID: X\n/);
  });

  test('any other error is one diagnostic whose summary is the message (diags.Append(err))', () => {
    expect(new WorkspaceError("can't delete default state").terraformMessage).toBe("\nError: can't delete default state\n\n");
  });
});

describe('workspace rules', () => {
  test('Terraform\'s invalid-name text, and "." / ".." refused beyond Terraform', () => {
    expect(workspaceNameError('a/b')).toBe('The workspace name "a/b" is not allowed. The name must contain only URL safe\ncharacters, contain no path separators, and not be an empty string.');
    expect(workspaceNameError('')).toMatch(/^The workspace name "" is not allowed/);
    expect(workspaceNameError('..')).toMatch(/^The workspace name "\.\." is not allowed: S3 key cleaning/);
    expect(workspaceNameError('.')).toMatch(/^The workspace name "\." is not allowed: S3 key cleaning/);
    expect(workspaceNameError('a.b')).toBeUndefined();
  });

  test('"not empty" counts managed resource instance objects only (current and deposed), sorted', () => {
    const state = parseState(JSON.stringify({
      version: 4,
      serial: 1,
      lineage: 'L',
      outputs: { o: { value: 1, type: 'number' } },
      resources: [
        { mode: 'managed', type: 'null_resource', name: 'b', provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [{ index_key: 'k', attributes: {} }, { deposed: '00000001', attributes: {} }] },
        { mode: 'data', type: 'null_data_source', name: 'd', provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [{ attributes: {} }] },
        { mode: 'managed', type: 'null_resource', name: 'a', provider: 'provider["registry.terraform.io/hashicorp/null"]', instances: [] },
      ],
    }))!;
    const d = workspaceNotEmptyDiagnostic('dev', state)!;
    expect(d.summary).toBe('Workspace is not empty');
    expect(d.detail.split('\n').slice(0, 3)).toEqual([
      'Workspace "dev" is currently tracking the following resource instances:',
      '  - null_resource.b (deposed object 00000001)',
      '  - null_resource.b["k"]',
    ]);
    const onlyData = parseState(JSON.stringify({ version: 4, serial: 1, lineage: 'L', outputs: { o: { value: 1, type: 'number' } }, resources: [state.resources[1]] }))!;
    expect(workspaceNotEmptyDiagnostic('dev', onlyData)).toBeUndefined();
  });
});

describe('LockInfo written by another tool is always readable and releasable', () => {
  test('parseLockInfoLenient keeps what Go would fail on: other field types, a Created Go cannot read', () => {
    const text = '{"id":"X-1","Operation":7,"Who":"bot","Created":"yesterday","Extra":true}';
    expect(() => parseLockInfo(text)).toThrow(/parsing time "yesterday"|cannot unmarshal number/);
    expect(parseLockInfoLenient(text)).toEqual({ ID: 'X-1', Operation: '', Info: '', Who: 'bot', Version: '', Created: '0001-01-01T00:00:00Z', Path: '' });
    expect(() => parseLockInfoLenient('[1]')).toThrow(/cannot unmarshal array/);
  });
});

describe('a missing bucket ends with the SDK error as Terraform ends it', () => {
  /** The shape of an AWS SDK v3 service error: `name` from the error code, `message` from the response. */
  const sdkError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 404 } });

  test('the error code and message; the SDK\'s placeholder for a response without a message is left out', () => {
    expect(new BucketNotFoundError('b', { cause: sdkError('NoSuchBucket', 'The specified bucket does not exist') }).message)
      .toMatch(/^S3 bucket "b" does not exist\.\n\n[^]*\n\nError: NoSuchBucket: The specified bucket does not exist$/);
    // Ceph RGW answers NoSuchBucket without a <Message>; the SDK then says "UnknownError".
    expect(new BucketNotFoundError('b', { cause: sdkError('NoSuchBucket', 'UnknownError') }).message).toMatch(/\n\nError: NoSuchBucket$/);
  });
});
