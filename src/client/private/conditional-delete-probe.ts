import { isNoSuchKey, isPreconditionFailed } from './aws-errors';
import type { ObjectStore } from './object-store';
import { IF_MATCH_PROBE_SUFFIX } from '../../protocol/constants';

/** A well-formed ETag no probe key has (the key does not exist; all-zero MD5 for good measure). */
const IMPOSSIBLE_ETAG = '"00000000000000000000000000000000"';

/**
 * Does the server honour `If-Match` on DeleteObject? AWS S3 does since September 2025; Ceph RGW 16
 * and other compatibles ignore the header and delete anyway (see test/setup/README.md). Asked once
 * per client, at the first lock, by a request that cannot harm anything:
 *
 * DeleteObject of a key next to the lock file that never exists (`<lock file>.if-match-probe`) with
 * an `If-Match` no object can carry. AWS needs `s3:DeleteObject` and `s3:GetObject` on that key for a
 * conditional delete; the construct's grants allow both (and list it, so that its absence is a 404).
 *
 * | answer | meaning | decision |
 * |---|---|---|
 * | 412 / 409 | the condition was evaluated | honoured |
 * | 404 `NoSuchKey` | the condition was evaluated (AWS answers 404 for a missing key with `If-Match`) | honoured |
 * | 204 | the header was ignored (a plain delete of a missing key succeeds) | not honoured; a delete marker a versioned bucket may have made is removed by its version ID |
 * | anything else (403, 501, ...) | unknown | not honoured (Terraform's GET + DELETE) |
 *
 * It never touches a lock file or a state object: with the header ignored, the delete hits only a key
 * that does not exist (on a versioned bucket it leaves a delete marker, removed at once by its version
 * ID; concurrent probes each remove their own). Under a policy that does not allow the probe, the
 * answer is 403 and the client keeps Terraform's 5-request cycle.
 */
export class ConditionalDeleteProbe {
  private answer: Promise<boolean> | undefined;

  constructor(private readonly store: ObjectStore, private readonly nearKey: string) {}

  /** True when DeleteObject honours `If-Match` on this server; asked once. Never rejects. */
  public honoured(): Promise<boolean> {
    this.answer ??= this.ask();
    return this.answer;
  }

  private async ask(): Promise<boolean> {
    const key = `${this.nearKey}${IF_MATCH_PROBE_SUFFIX}`;
    try {
      const out = await this.store.delete(key, { ifMatch: IMPOSSIBLE_ETAG });
      if (out.deleteMarker && out.versionId) {
        await this.store.delete(key, { versionId: out.versionId }).catch(() => undefined);
      }
      return false;
    } catch (e) {
      return isPreconditionFailed(e) || isNoSuchKey(e);
    }
  }
}
