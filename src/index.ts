// The jsii construct API. The runtime client lives behind `cdk-tfstate-backend/client`.
export * from './construct/backend-config';
export * from './construct/locking-mode';
export * from './construct/state-backend-base';
export * from './construct/state-backend';
export { StateScope } from './construct/state-scope';
export { StateAccess, StateAccessRoleProps } from './construct/access-role';
export { GitHubActionsIdentityProvider, GitHubActionsIdentityProviderProps, GitHubActionsPrincipalOptions } from './construct/github-actions';
