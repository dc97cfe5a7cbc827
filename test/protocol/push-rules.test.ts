import { StateFile, checkStatePush, newEmptyState, nextSerialForWrite, statePushFailureText } from '../../src/protocol';

const withOutput = (lineage: string, serial: number, value = 'v'): StateFile => ({
  ...newEmptyState({ lineage, serial }),
  outputs: { o: { value, type: 'string' } },
});

describe('checkStatePush (vector 26)', () => {
  const remote = withOutput('L', 5);

  test('older serial is refused', () => {
    const check = checkStatePush(withOutput('L', 4), remote);
    expect(check).toEqual({ ok: false, reason: 'older-serial', message: 'cannot import state with serial 4 over newer state with serial 5' });
    expect(statePushFailureText(check)).toBe('Failed to write state: cannot import state with serial 4 over newer state with serial 5');
  });

  test('unrelated lineage is refused', () => {
    expect(checkStatePush(withOutput('M', 9), remote)).toEqual({
      ok: false,
      reason: 'unrelated-lineage',
      message: 'cannot import state with lineage "M" over unrelated state with lineage "L"',
    });
  });

  test('same serial with different content is refused, identical content is allowed', () => {
    expect(checkStatePush(withOutput('L', 5, 'other'), remote)).toEqual({
      ok: false,
      reason: 'same-serial-different-content',
      message: 'cannot overwrite existing state with serial 5 with a different state that has the same serial',
    });
    // Writer version does not count as content.
    expect(checkStatePush({ ...withOutput('L', 5), terraform_version: '1.9.0' }, remote)).toEqual({ ok: true });
  });

  test('higher serial is accepted', () => {
    expect(checkStatePush(withOutput('L', 6), remote)).toEqual({ ok: true });
    expect(statePushFailureText({ ok: true })).toBeUndefined();
  });

  test('anything goes over no state, an empty state, a legacy lineage, or with force', () => {
    expect(checkStatePush(withOutput('M', 1), undefined).ok).toBe(true);
    expect(checkStatePush(withOutput('M', 1), newEmptyState({ lineage: 'L', serial: 9 })).ok).toBe(true);
    expect(checkStatePush(withOutput('', 1), remote).ok).toBe(true);
    expect(checkStatePush(withOutput('M', 1), withOutput('', 5)).ok).toBe(true);
    expect(checkStatePush(withOutput('M', 1), remote, { force: true }).ok).toBe(true);
  });

  test('a state with a resource but no outputs is not empty', () => {
    const withResource: StateFile = { ...newEmptyState({ lineage: 'L', serial: 5 }), resources: [{ mode: 'managed', type: 't', name: 'n', provider: 'p', instances: [] }] };
    expect(checkStatePush(withOutput('L', 4), withResource).ok).toBe(false);
  });
});

describe('nextSerialForWrite (PersistState)', () => {
  test('unchanged lineage, serial and content: no write', () => {
    expect(nextSerialForWrite(withOutput('L', 5), withOutput('L', 5))).toEqual({ write: false });
  });

  test('changed content: serial + 1, lineage kept', () => {
    expect(nextSerialForWrite(withOutput('L', 5, 'new'), withOutput('L', 5))).toEqual({ write: true, lineage: 'L', serial: 6 });
  });

  test('a pushed serial N over a different remote is stored as N + 1', () => {
    expect(nextSerialForWrite(withOutput('L', 9), withOutput('L', 5))).toEqual({ write: true, lineage: 'L', serial: 10 });
    expect(nextSerialForWrite(withOutput('M', 2), withOutput('L', 5))).toEqual({ write: true, lineage: 'M', serial: 3 });
  });

  test('serial 0 or empty lineage read back always writes', () => {
    expect(nextSerialForWrite(withOutput('L', 0), withOutput('L', 0))).toEqual({ write: true, lineage: 'L', serial: 1 });
    expect(nextSerialForWrite(withOutput('', 3), withOutput('', 3))).toEqual({ write: true, lineage: '', serial: 4 });
  });

  test('nothing read: fresh lineage and serial 1, whatever was pushed', () => {
    expect(nextSerialForWrite(withOutput('L', 42), undefined, () => 'fresh')).toEqual({ write: true, lineage: 'fresh', serial: 1 });
    const d = nextSerialForWrite(withOutput('L', 42), undefined);
    expect(d.write && d.lineage).toMatch(/^[0-9a-f]{8}-/);
  });
});
