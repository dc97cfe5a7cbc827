// The wire format Terraform and OpenTofu share through S3 and DynamoDB, with no I/O.
export * from './constants';
export * from './paths';
export * from './digest';
export * from './go-json';
export * from './go-time';
export * from './lock-info';
export * from './state';
export * from './push-rules';
export * from './encrypted-state';
export * from './diagnostics';
export * from './config';
export * from './go-url';
