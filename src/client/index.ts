/**
 * `cdk-tfstate-backend/client`: the runtime client that reads, writes and locks Terraform/OpenTofu
 * state in S3 as their `s3` backend does. Plain TypeScript on the AWS SDK v3; never loads aws-cdk-lib.
 */
import './private/require-sdk';
export { StateClient } from './state-client';
export { backendAttributesFromOutputs } from './backend-outputs';
export type { BackendOutputsMapping, BackendOutputsMappingOptions } from './backend-outputs';
export * from './errors';
export type * from './types';
export type { PullResult } from './private/streaming';
export type { S3BackendConfig, AssumeRoleConfig, AssumeRoleWithWebIdentityConfig, EndpointsConfig } from '../protocol/config';
export type { Diagnostic } from '../protocol/diagnostics';
export type { AwsKmsOperations, AwsKmsKeyProviderRequest, ConfigFile as EncryptionConfigFile, EncryptionStatus } from '../protocol/encryption';
export type { LockInfo } from '../protocol/lock-info';
export type { StateFile, OutputValue } from '../protocol/state';
export { listHeldLocks, staleLocks, splitStateObjectKey, LockReportError, isLockReportError } from './lock-report';
export type { HeldLock, HeldLockSource, HeldLocksOptions, LockReport, LockReportOptions } from './lock-report';
