import { ConditionalDeleteProbe } from './conditional-delete-probe';
import { DigestStore } from './digest-store';
import { ObjectStore } from './object-store';
import type { Runtime } from './runtime';
import { StreamingState } from './streaming';
import type { WriteTarget } from './streaming-write';
import { WholeState } from './whole-state';
import { encodeTagging } from '../../protocol/config';
import { digestLockId, lockFileKey, lockId, stateObjectKey } from '../../protocol/paths';
import { DoubleLocker } from '../lockers/double-locker';
import { DynamoDbLocker } from '../lockers/dynamodb-locker';
import { LockFileLocker } from '../lockers/lock-file-locker';
import type { Locker } from '../lockers/locker';
import { NoLocker } from '../lockers/no-locker';
import type { StatePaths } from '../types';

/** The parts of one client (one workspace of one runtime). */
export interface ClientParts {
  readonly paths: StatePaths;
  readonly store: ObjectStore;
  readonly target: WriteTarget;
  readonly streaming: StreamingState;
  readonly whole: WholeState;
  readonly locker: Locker;
}

/** One conditional-delete probe per runtime: "once per client", shared with `withWorkspace` clients. */
const probes = new WeakMap<Runtime, ConditionalDeleteProbe>();

/** Builds the parts of the client for `workspace`: keys, the object store, digests, streaming, locker. */
export function wireClient(runtime: Runtime, workspace: string, terraformVersion: string): ClientParts {
  const config = runtime.config;
  const stateKey = stateObjectKey(config.key, workspace, config.workspace_key_prefix);
  const paths: StatePaths = {
    bucket: config.bucket,
    stateKey,
    lockFileKey: lockFileKey(stateKey),
    lockId: lockId(config.bucket, stateKey),
    digestLockId: digestLockId(config.bucket, stateKey),
  };
  const warn = (m: string) => runtime.options.logger?.warn(m);
  const store = new ObjectStore(runtime.s3, runtime.counter, {
    bucket: config.bucket,
    encryption: config.encryption,
    acl: config.acl || undefined,
    skipS3Checksum: config.skip_s3_checksum,
  });
  const digests = runtime.dynamodb && config.dynamodb_table
    ? new DigestStore(runtime.dynamodb, runtime.counter, config.dynamodb_table, warn)
    : undefined;
  const target: WriteTarget = { store, stateKey, digests, digestLockId: paths.digestLockId, tagging: encodeTagging(config.state_tags) };
  const digestRetry = runtime.options.digestRetry;
  const streaming = new StreamingState({ ...target, digestRetry, terraformVersion: runtime.options.terraformVersion });
  const whole = new WholeState({ ...target, digestRetry, terraformVersion, encryption: runtime.encryption });
  let probe = probes.get(runtime);
  if (!probe && config.use_lockfile) {
    probe = new ConditionalDeleteProbe(store, lockFileKey(stateObjectKey(config.key)));
    probes.set(runtime, probe);
  }
  const fileLocker = config.use_lockfile ? new LockFileLocker(store, paths.lockFileKey, probe, encodeTagging(config.lock_tags)) : undefined;
  const tableLocker = runtime.dynamodb && config.dynamodb_table
    ? new DynamoDbLocker(runtime.dynamodb, runtime.counter, config.dynamodb_table, paths.lockId)
    : undefined;
  const locker = fileLocker && tableLocker ? new DoubleLocker(fileLocker, tableLocker) : fileLocker ?? tableLocker ?? new NoLocker();
  return { paths, store, target, streaming, whole, locker };
}
