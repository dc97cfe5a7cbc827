import type { EncryptionBlockConfig } from './config';

/**
 * A parsed, merged encryption configuration with everything its expressions may refer to. Produced by
 * `parseEncryptionConfig`; consumed by `encryptState` / `decryptState`.
 */
export interface StateEncryptionConfig {
  /** The merged `encryption` configuration (`.tf` files, then `TF_ENCRYPTION`, then the client option). */
  readonly block: EncryptionBlockConfig;
  /** Values of `var.<name>`, already merged by precedence. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The environment variables the key providers consult (`AWS_REGION`, `AWS_DEFAULT_REGION`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the configuration came from, in merge order (file names, `TF_ENCRYPTION`, `client option`). */
  readonly sources: readonly string[];
  /** OpenTofu's warnings, e.g. "Unencrypted method configured". */
  readonly warnings: readonly string[];
}
