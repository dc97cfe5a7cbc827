/** cdk-nag packs whose S3 rules (replication, KMS default encryption) need a reason where they do not apply. */
export const COMPLIANCE_PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];
