import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, s3Client } from '../support/servers';

/** Version listing and reads by version, as `tfstate` state history and rollback use them. */
describe('S3 object versions on Ceph RGW', () => {
  const s3 = s3Client();
  afterAll(() => s3.destroy());

  test('lists every version of a key newest first, with exactly one IsLatest, and reads old versions by ID', async () => {
    const bucket = await createTestBucket({ versioned: true });
    const ids: string[] = [];
    for (const serial of [1, 2, 3]) {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'env:/dev/app.tfstate', Body: Buffer.from(`{"serial":${serial}}`) }));
      ids.push(put.VersionId!);
    }
    // A neighbour key sharing the prefix must be listed separately, not mixed in.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'env:/dev/app.tfstate.tflock', Body: Buffer.from('lock') }));

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'env:/dev/app.tfstate' }));
    const versions = (listed.Versions ?? []).filter((v) => v.Key === 'env:/dev/app.tfstate');
    expect(versions.map((v) => v.VersionId)).toEqual([...ids].reverse());
    expect(versions.filter((v) => v.IsLatest).map((v) => v.VersionId)).toEqual([ids[2]]);
    expect(versions.every((v) => typeof v.Size === 'number' && v.LastModified instanceof Date)).toBe(true);

    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'env:/dev/app.tfstate', VersionId: ids[0] }));
    expect(await old.Body!.transformToString()).toBe('{"serial":1}');
  });

  test('a delete adds a delete marker that hides the key but keeps its versions', async () => {
    const bucket = await createTestBucket({ versioned: true });
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'app.tfstate', Body: Buffer.from('{}') }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'app.tfstate' }));
    expect(deleted.DeleteMarker).toBe(true);
    await expect(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'app.tfstate' })))
      .rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'app.tfstate' }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([put.VersionId]);
    expect(listed.DeleteMarkers?.map((m) => ({ id: m.VersionId, latest: m.IsLatest }))).toEqual([{ id: deleted.VersionId, latest: true }]);
  });

  test('pages through versions with MaxKeys and the key/version markers', async () => {
    const bucket = await createTestBucket({ versioned: true });
    const written: string[] = [];
    for (let i = 0; i < 5; i++) {
      written.push((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'paged', Body: Buffer.from(String(i)) }))).VersionId!);
    }
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await s3.send(new ListObjectVersionsCommand({
        Bucket: bucket, Prefix: 'paged', MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: versionMarker,
      }));
      seen.push(...(res.Versions ?? []).map((v) => v.VersionId!));
      if (!res.IsTruncated) break;
      keyMarker = res.NextKeyMarker;
      versionMarker = res.NextVersionIdMarker;
    }
    expect(seen).toEqual([...written].reverse());
  });

  test('an unversioned bucket reports the single version as "null"', async () => {
    const bucket = await createTestBucket();
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'app.tfstate', Body: Buffer.from('{}') }));
    expect(put.VersionId).toBeUndefined();
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'app.tfstate' }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual(['null']);
  });
});
