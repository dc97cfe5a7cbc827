// The jsii construct API. The runtime client lives behind `cdk-tfstate-backend/client`.
export * from './construct/backend-config';
export * from './construct/locking-mode';
export * from './construct/state-backend-base';
export * from './construct/state-backend';
export * from './construct/state-backend-props';
export * from './construct/state-backend-attributes';
export { StateScope } from './construct/state-scope';
export { StateAccess } from './construct/access-role';
export type { StateAccessRoleProps } from './construct/access-role';
export { GitHubActionsIdentityProvider } from './construct/github-actions';
export type { GitHubActionsIdentityProviderProps, GitHubActionsPrincipalOptions } from './construct/github-actions';
export * from './construct/replica';
export * from './construct/dr/backup';
export * from './construct/monitoring/data-events';
export * from './construct/monitoring/state-backend-monitoring';
