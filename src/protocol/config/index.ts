import { Diagnostic, hasErrors } from '../diagnostics';
import { decode } from './decode';
import { resolve } from './resolve';
import type { ConfigEnv, ConfigValidation } from './schema';
import { configureChecks, prepareConfig } from './validate';

/**
 * The S3 backend configuration with Terraform's attribute names, and its validation with Terraform's
 * texts (`internal/backend/remote-state/s3/{backend.go,validate.go}`: PrepareConfig, then Configure).
 *
 * | file | concern |
 * |---|---|
 * | `schema.ts` | attribute names and types, the public config types |
 * | `decode.ts` | raw value → typed attributes (HCL/cty texts) |
 * | `validators.ts`, `validate.ts` | Terraform's PrepareConfig and Configure checks |
 * | `resolve.ts` | defaults and environment fallbacks |
 *
 * @see https://developer.hashicorp.com/terraform/language/backend/s3
 */

export type {
  AssumeRoleConfig, AssumeRoleWithWebIdentityConfig, ConfigEnv, ConfigValidation, EndpointsConfig, ResolvedConfig,
  ResolvedEncryption, ResolvedEndpoints, ResolvedProxy, S3BackendConfig,
} from './schema';
export { S3_BACKEND_ATTRIBUTES } from './schema';
export { nameSuggestion } from './decode';
export { decodeGoBase64 } from './go-base64';
export { AWS_REGIONS } from './regions';
export { encodeTagging, escapeTagComponent, S3_OBJECT_TAG_LIMITS } from './tags';

/**
 * Validates a backend configuration as Terraform does and applies its defaults.
 *
 * Order, as in Terraform: decoding (unknown attributes → `Unsupported argument` with a "Did you mean"
 * suggestion; wrong types → `Incorrect attribute value type`), then `PrepareConfig` (required values,
 * key/prefix slashes, region presence, KMS key format, assume-role blocks, deprecations and conflicts,
 * endpoint URLs), then, only if that found no error, `Configure`'s offline checks (region name, SSE-C
 * key length and base64, `AWS_SSE_CUSTOMER_KEY` conflicts, deprecated endpoint variables).
 *
 * @param raw the attributes, e.g. parsed from a `backend "s3"` block or JSON
 * @param env environment variables to consult (`AWS_REGION`, `AWS_SSE_CUSTOMER_KEY`, `AWS_ENDPOINT_URL_*`...)
 */
export function validateConfig(raw: unknown, env: ConfigEnv): ConfigValidation {
  const diags: Diagnostic[] = [];
  const obj = decode(raw, diags);
  if (!obj || hasErrors(diags)) {
    return { config: resolve(obj ?? {}, env), diagnostics: diags };
  }
  prepareConfig(obj, env, diags);
  if (!hasErrors(diags)) configureChecks(obj, env, diags);
  return { config: resolve(obj, env), diagnostics: diags };
}
