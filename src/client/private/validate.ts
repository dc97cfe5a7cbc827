import type { ConfigDiagnostic } from '../errors';
import type { S3BackendConfig } from './backend-config';

/**
 * Interim validation (required attributes and region) until `src/protocol/config.ts` provides
 * Terraform's full `validateConfig`; its texts are Terraform's.
 */
export function validateBackendConfig(config: S3BackendConfig, env: Readonly<Record<string, string | undefined>>): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const required = (name: 'bucket' | 'key') => {
    const v = config[name];
    if (v === undefined || v === null) {
      out.push({ severity: 'error', summary: 'Missing Required Value', detail: `The attribute "${name}" is required by the backend.\n\nRefer to the backend documentation for additional information which attributes are required.`, path: [name] });
    } else if (String(v).trim() === '') {
      out.push({ severity: 'error', summary: 'Invalid Value', detail: 'The value cannot be empty or all whitespace', path: [name] });
    }
  };
  required('bucket');
  required('key');
  if (!config.region && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    out.push({ severity: 'error', summary: 'Missing region value', detail: 'The "region" attribute or the "AWS_REGION" or "AWS_DEFAULT_REGION" environment variables must be set.', path: ['region'] });
  }
  return out;
}
