import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The issuer of GitHub Actions OIDC tokens. */
export const GITHUB_ACTIONS_ISSUER = 'token.actions.githubusercontent.com';

/** The audience `aws-actions/configure-aws-credentials` asks for. */
export const GITHUB_ACTIONS_DEFAULT_AUDIENCE = 'sts.amazonaws.com';

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/**
 * Properties of a `GitHubActionsIdentityProvider`.
 */
export interface GitHubActionsIdentityProviderProps {
  /**
   * An existing IAM OIDC provider for `https://token.actions.githubusercontent.com`. An account can
   * hold only one provider per URL, so a landing zone that already has one must pass it here
   * (`iam.OidcProviderNative.fromOidcProviderArn`).
   *
   * @default - a new provider is created
   */
  readonly provider?: iam.IOidcProvider;

  /**
   * The audience (`aud` claim) that tokens must carry.
   *
   * @default 'sts.amazonaws.com'
   */
  readonly audience?: string;
}

/**
 * Which GitHub Actions workflows may assume a role.
 */
export interface GitHubActionsPrincipalOptions {
  /**
   * The repository, `owner/name`. Wildcards are refused: trusting every repository of GitHub (or of
   * an owner) is the classic OIDC misconfiguration.
   */
  readonly repository: string;

  /**
   * Only workflow runs on this branch (`sub` = `repo:<repository>:ref:refs/heads/<branch>`). May contain
   * `*`, e.g. `release/*`.
   *
   * @default - any branch, tag, pull request or environment of the repository, unless `environment` is set
   */
  readonly branch?: string;

  /**
   * The immutable numeric ID of the repository (`repository_id` claim), from
   * `gh api repos/<owner>/<name> --jq .id`. With `repositoryOwnerId`, the subject is pinned to IDs rather
   * than names, so a renamed, transferred or deleted-and-re-created repository of the same name cannot
   * assume the role.
   *
   * This needs GitHub's subject claim customization on the repository (or organization), in exactly this
   * order: `include_claim_keys = ["repository_owner_id", "repository_id", "context"]`. The subject then
   * reads `repository_owner_id:<id>:repository_id:<id>:<context>` (context = `ref:refs/heads/<branch>`,
   * `environment:<name>`, `pull_request`, ...). `repository` is still required: it names the role's
   * purpose and is checked for wildcards.
   *
   * @default - the subject names the repository (`repo:<owner>/<name>:...`)
   * @see https://docs.github.com/en/actions/reference/security/oidc#customizing-the-subject-claims-for-an-organization-or-repository
   */
  readonly repositoryId?: string;

  /**
   * The immutable numeric ID of the repository owner (`repository_owner_id` claim), from
   * `gh api users/<owner> --jq .id`. Required with `repositoryId`.
   *
   * @default - the subject names the owner
   */
  readonly repositoryOwnerId?: string;

  /**
   * Only jobs that run in this GitHub environment (`sub` = `repo:<repository>:environment:<name>`).
   * An environment with required reviewers or branch rules is the usual gate for `apply` roles.
   *
   * @default - no environment restriction
   */
  readonly environment?: string;
}

/**
 * The IAM OIDC identity provider for GitHub Actions and the principals that trust it.
 *
 * @example
 * const github = new GitHubActionsIdentityProvider(this, 'GitHub');
 * backend.addAccessRole('ApplyFromMain', {
 *   assumedBy: github.principal({ repository: 'acme/infra', environment: 'prod' }),
 *   access: StateAccess.READ_WRITE,
 * });
 */
export class GitHubActionsIdentityProvider extends Construct {
  /**
   * The OIDC provider, created here or passed in.
   */
  public readonly provider: iam.IOidcProvider;

  /**
   * The audience every principal of this provider requires.
   */
  public readonly audience: string;

  constructor(scope: Construct, id: string, props: GitHubActionsIdentityProviderProps = {}) {
    super(scope, id);
    this.audience = props.audience ?? GITHUB_ACTIONS_DEFAULT_AUDIENCE;
    this.provider = props.provider ?? new iam.OidcProviderNative(this, 'Resource', {
      url: `https://${GITHUB_ACTIONS_ISSUER}`,
      clientIds: [this.audience],
    });
  }

  /**
   * A principal for `sts:AssumeRoleWithWebIdentity` limited to one repository and, optionally, a
   * branch or an environment. Both the `aud` and the `sub` claim are checked.
   */
  public principal(options: GitHubActionsPrincipalOptions): iam.IPrincipal {
    const subject = githubSubject(options);
    const pinned = !subject.includes('*');
    const operator = subject.includes('*') ? 'StringLike' : 'StringEquals';
    const conditions: Record<string, Record<string, unknown>> = {
      StringEquals: { [`${GITHUB_ACTIONS_ISSUER}:aud`]: this.audience },
    };
    if (operator === 'StringLike') {
      conditions.StringLike = { [`${GITHUB_ACTIONS_ISSUER}:sub`]: subject };
    } else {
      conditions.StringEquals[`${GITHUB_ACTIONS_ISSUER}:sub`] = subject;
    }
    return new GitHubActionsPrincipal(this.provider.openIdConnectProviderArn, conditions, subject, pinned);
  }
}

/**
 * A GitHub Actions principal that remembers its subject, so that access roles can refuse write access to
 * a subject that is not pinned to one branch or environment.
 *
 * @internal
 */
export class GitHubActionsPrincipal extends iam.WebIdentityPrincipal {
  constructor(providerArn: string, conditions: Record<string, Record<string, unknown>>,
    public readonly subject: string, public readonly pinned: boolean) {
    super(providerArn, conditions);
  }
}

/**
 * The `sub` claim (pattern) for the options, with the validation errors users need.
 *
 * @internal
 */
export function githubSubject(options: GitHubActionsPrincipalOptions): string {
  const { repository, branch, environment, repositoryId, repositoryOwnerId } = options;
  if (!REPOSITORY.test(repository)) {
    throw new Error(`GitHubActionsIdentityProvider.principal(): repository must be "owner/name" without wildcards, got ${JSON.stringify(repository)}. ` +
      'Trusting several repositories needs one principal (one role) per repository.');
  }
  if (branch !== undefined && environment !== undefined) {
    throw new Error(`GitHubActionsIdentityProvider.principal(): set branch or environment, not both (got branch ${JSON.stringify(branch)} and environment ${JSON.stringify(environment)}). ` +
      'A job that runs in an environment presents "repo:<repo>:environment:<name>" as its subject, never the branch; protect the environment with a branch rule instead.');
  }
  if ((repositoryId === undefined) !== (repositoryOwnerId === undefined)
    || [repositoryId, repositoryOwnerId].some((id) => id !== undefined && !/^[1-9][0-9]{0,19}$/.test(id))) {
    throw new Error('GitHubActionsIdentityProvider.principal(): repositoryId and repositoryOwnerId go together and are the numeric IDs GitHub shows ' +
      `(gh api repos/${repository} --jq '.id, .owner.id'), got repositoryId ${JSON.stringify(repositoryId)} and repositoryOwnerId ${JSON.stringify(repositoryOwnerId)}.`);
  }
  // Default subject: `repo:<owner>/<name>:<context>`; customized: `repository_owner_id:<id>:repository_id:<id>:<context>`.
  const origin = repositoryId !== undefined ? `repository_owner_id:${repositoryOwnerId}:repository_id:${repositoryId}` : `repo:${repository}`;
  if (branch !== undefined) {
    if (branch === '' || branch.startsWith('refs/')) {
      throw new Error(`GitHubActionsIdentityProvider.principal(): branch must be a branch name such as "main" (without "refs/heads/"), got ${JSON.stringify(branch)}.`);
    }
    return `${origin}:ref:refs/heads/${branch}`;
  }
  if (environment !== undefined) {
    if (environment === '' || environment.includes('*')) {
      throw new Error(`GitHubActionsIdentityProvider.principal(): environment must be an environment name without wildcards, got ${JSON.stringify(environment)}.`);
    }
    return `${origin}:environment:${environment}`;
  }
  return `${origin}:*`;
}
