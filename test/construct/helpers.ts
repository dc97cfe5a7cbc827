import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StateBackend, StateBackendProps } from '../../src';

/** A backend in a fresh env-agnostic stack, with its template. */
export function synthBackend(props?: StateBackendProps, stackName = 'TestStack'): { stack: Stack; backend: StateBackend; template: Template } {
  const app = new App();
  const stack = new Stack(app, stackName);
  const backend = new StateBackend(stack, 'Backend', props);
  return { stack, backend, template: Template.fromStack(stack) };
}

/** The one resource of a type whose logical ID starts with `prefix` (fails when there is not exactly one). */
export function resourceOf(template: Template, type: string, prefix: string): { logicalId: string; resource: any } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} with logical ID prefix ${prefix}, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  }
  return { logicalId: matches[0][0], resource: matches[0][1] };
}

/** The statements of the bucket policy attached to the bucket with logical ID `bucketLogicalId`. */
export function bucketPolicyStatements(template: Template, bucketLogicalId: string): any[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'))
    .filter((p: any) => p.Properties.Bucket.Ref === bucketLogicalId);
  if (policies.length !== 1) throw new Error(`expected one bucket policy for ${bucketLogicalId}, found ${policies.length}`);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

export const STATE_BUCKET = 'BackendBucket';
export const LOG_BUCKET = 'BackendAccessLogsBucket';
export const KEY = 'BackendKey';
export const LOCK_TABLE = 'BackendLockTable';
