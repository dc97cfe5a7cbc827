// OpenTofu state encryption (internal/encryption of opentofu/opentofu): configuration, key providers
// (pbkdf2, aws_kms), methods (aes_gcm, unencrypted) and the v0 envelope. Pure: the KMS calls are injected.
export { StateEncryptionError, isStateEncryptionError } from './errors';
export type { StateEncryptionErrorCode } from './errors';
export { parseEncryptionConfig, selectConfigFiles } from './source';
export type { ConfigFile, EncryptionConfigSource } from './source';
export type { StateEncryptionConfig } from './types';
export type { EncryptionBlockConfig, KeyProviderConfig, MethodConfig, TargetConfig, EnforceableTargetConfig, RemoteConfig } from './config';
export { encryptState, decryptState, StateEncryption } from './state-encryption';
export type { StateEncryptionOptions, DecryptedState, EncryptionStatus } from './state-encryption';
export type { AwsKmsOperations, AwsKmsKeyProviderRequest } from './aws-kms';
export { AWS_KMS_KEY_SPECS } from './aws-kms';
export { PBKDF2_DEFAULTS, PBKDF2_MINIMUM_ITERATIONS, PBKDF2_MINIMUM_PASSPHRASE_LENGTH, PBKDF2_HASH_FUNCTIONS } from './pbkdf2';
export { ENVELOPE_VERSION, parseEnvelope } from './envelope';
export type { Envelope } from './envelope';
