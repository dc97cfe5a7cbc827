import { checksumMismatchMessage, checksumMismatchMessageTofu, createDigest, md5Hex, parseStoredDigest } from '../../src/protocol';

describe('md5Hex and createDigest', () => {
  test('vector 14: body "test" has the stored digest', () => {
    expect(md5Hex(Buffer.from('test'))).toBe('098f6bcd4621d373cade4e832627b4f6');
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  test('incremental digest equals the one-shot digest', () => {
    const d = createDigest();
    d.update('te').update(Buffer.from('st'));
    expect(d.digest()).toBe(md5Hex('test'));
  });
});

describe('parseStoredDigest', () => {
  test.each([
    ['098f6bcd4621d373cade4e832627b4f6', '098f6bcd4621d373cade4e832627b4f6'],
    ['098F6BCD4621D373CADE4E832627B4F6', '098f6bcd4621d373cade4e832627b4f6'],
    ['zz', undefined],
    ['098f6bcd4621d373cade4e832627b4', undefined],
    ['098f6bcd4621d373cade4e832627b4f600', undefined],
    ['', undefined],
    [undefined, undefined],
    [42, undefined],
  ])('%j → %j (invalid md5 is ignored)', (input, expected) => {
    expect(parseStoredDigest(input)).toBe(expected);
  });
});

describe('checksumMismatchMessage', () => {
  const head = 'state data in S3 does not have the expected content.\n\nThe checksum calculated for the state stored in S3 does not match the checksum\nstored in DynamoDB.\n\n';
  test('vector 15: update variant names bucket, key and both checksums', () => {
    const text = checksumMismatchMessage({ bucket: 'b', key: 'path/to/terraform.tfstate', calculated: md5Hex('x'), stored: '098f6bcd4621d373cade4e832627b4f6' });
    expect(text).toBe(head
      + 'Bucket: b\nKey:    path/to/terraform.tfstate\n'
      + `Calculated checksum: ${md5Hex('x')}\nStored checksum:     098f6bcd4621d373cade4e832627b4f6\n\n`
      + 'This may be caused by unusually long delays in S3 processing a previous state\nupdate. Please wait for a minute or two and try again.\n\n'
      + 'If this problem persists, and neither S3 nor DynamoDB are experiencing an\noutage, you may need to manually verify the remote state and update the Digest\n'
      + `value stored in the DynamoDB table to the following value: ${md5Hex('x')}`);
  });

  test('vector 15: missing object asks to remove the Digest', () => {
    const text = checksumMismatchMessage({ bucket: 'b', key: 'k', calculated: '', stored: 'abc' });
    expect(text).toContain('Calculated checksum: \nStored checksum:     abc\n');
    expect(text.endsWith('verify the remote state and remove the Digest\nvalue stored in the DynamoDB table')).toBe(true);
  });

  test('OpenTofu variant', () => {
    expect(checksumMismatchMessageTofu('abc')).toBe('state data in S3 does not have the expected content.\n\nThis may be caused by unusually long delays in S3 processing a previous state\nupdate.  Please wait for a minute or two and try again. If this problem\npersists, and neither S3 nor DynamoDB are experiencing an outage, you may need\nto manually verify the remote state and update the Digest value stored in the\nDynamoDB table to the following value: abc');
  });
});
