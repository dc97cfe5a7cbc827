// The jsii construct API. The runtime client lives behind `cdk-tfstate-backend/client`.
export * from './construct/locking-mode';
export * from './construct/state-backend-base';
export * from './construct/state-backend';
