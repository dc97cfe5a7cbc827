import { describeError, errorName, httpStatus, isAbort } from './aws-errors';

/**
 * Reads one IAM role (`iam:GetRole`). The port through which `tfstate doctor` looks at the replication
 * role; the SDK's IAM client fits it (`GetRoleCommand` → `Role.AssumeRolePolicyDocument`). Throws the
 * SDK error as is (`NoSuchEntity`, `AccessDenied`).
 */
export interface RoleReader {
  /** The role's trust policy as IAM returns it (URL-encoded JSON), or undefined when IAM sends none. */
  getTrustPolicy(roleName: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** What can be told about the replication role without simulating its permissions. */
export interface ReplicationRoleStatus {
  /** `usable`: exists and S3 may assume it; `broken`: S3 cannot use it; `unknown`: cannot tell (`detail` says what is needed). */
  readonly verdict: 'usable' | 'broken' | 'unknown';
  readonly detail: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;
const S3_SERVICE = 's3.amazonaws.com';

/**
 * Looks at the role named by a bucket's replication configuration.
 *
 * | what is known | verdict |
 * |---|---|
 * | no role in the configuration, or not an IAM role ARN | broken |
 * | no {@link RoleReader} (no IAM client) | unknown: needs `iam:GetRole` |
 * | `GetRole` → `NoSuchEntity` | broken: the role was deleted |
 * | `GetRole` → access denied | unknown: needs `iam:GetRole` on the role |
 * | trust policy without an Allow of `sts:AssumeRole` to `s3.amazonaws.com`, or a Deny of it | broken |
 * | trust policy conditions `aws:SourceAccount` to other accounts than the role's | broken (S3 assumes it for the bucket owner) |
 * | otherwise | usable (its permission policies are not simulated: a FAILED object status is the evidence that they lack something) |
 */
export async function inspectReplicationRole(
  roleArn: string | undefined, reader: RoleReader | undefined, signal?: AbortSignal,
): Promise<ReplicationRoleStatus> {
  if (!roleArn) return { verdict: 'broken', detail: 'the replication configuration names no role: S3 cannot replicate without one' };
  const m = ROLE_ARN.exec(roleArn);
  if (!m) return { verdict: 'broken', detail: `the replication role ${roleArn} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)` };
  const [, , account, name] = m;
  const needs = `allow iam:GetRole on ${roleArn} to check that it exists and trusts ${S3_SERVICE}`;
  if (!reader) return { verdict: 'unknown', detail: `cannot tell whether ${roleArn} is usable: ${needs}` };
  let encoded: string | undefined;
  try {
    encoded = await reader.getTrustPolicy(name, signal);
  } catch (e) {
    if (isAbort(e) || signal?.aborted) throw e;
    if (errorName(e) === 'NoSuchEntity' || httpStatus(e) === 404) {
      return { verdict: 'broken', detail: `the replication role ${roleArn} does not exist: recreate it or point the rule at an existing role` };
    }
    if (httpStatus(e) === 403 || errorName(e).includes('AccessDenied')) {
      return { verdict: 'unknown', detail: `cannot tell whether ${roleArn} is usable: not allowed iam:GetRole (${describeError(e)}); ${needs}` };
    }
    return { verdict: 'unknown', detail: `cannot tell whether ${roleArn} is usable: iam:GetRole failed (${describeError(e)})` };
  }
  const trust = parseTrustPolicy(encoded);
  if (!trust) return { verdict: 'unknown', detail: `cannot tell whether ${roleArn} is usable: its trust policy could not be read as JSON` };
  const statements = (Array.isArray(trust.Statement) ? trust.Statement : [trust.Statement]).filter(Boolean);
  const forS3 = statements.filter((s: any) => allowsAssume(s) && namesService(s.Principal, S3_SERVICE));
  if (forS3.some((s: any) => s.Effect === 'Deny')) {
    return { verdict: 'broken', detail: `the trust policy of ${roleArn} denies sts:AssumeRole to ${S3_SERVICE}` };
  }
  const allows = forS3.filter((s: any) => s.Effect === 'Allow');
  if (allows.length === 0) {
    return { verdict: 'broken', detail: `the trust policy of ${roleArn} does not let ${S3_SERVICE} assume it: S3 cannot replicate with it` };
  }
  if (allows.every((s: any) => !sourceAccountAllows(s.Condition, account))) {
    return { verdict: 'broken', detail: `the trust policy of ${roleArn} lets ${S3_SERVICE} assume it only for another aws:SourceAccount than ${account}, the bucket owner` };
  }
  return { verdict: 'usable', detail: `${roleArn} exists and trusts ${S3_SERVICE}` };
}

function parseTrustPolicy(encoded: string | undefined): any | undefined {
  if (!encoded) return undefined;
  for (const text of [encoded, safeDecode(encoded)]) {
    try {
      const doc = JSON.parse(text);
      if (doc && typeof doc === 'object') return doc;
    } catch {
      // IAM returns the document URL-encoded; try the decoded form next.
    }
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

function allowsAssume(s: any): boolean {
  return list(s.Action).some((a) => ['sts:assumerole', 'sts:*', '*'].includes(a.toLowerCase()));
}

function namesService(principal: any, service: string): boolean {
  if (principal === '*') return true;
  return list(principal?.Service).includes(service) || list(principal?.AWS).includes('*');
}

/** False only when a StringEquals/StringLike on aws:SourceAccount leaves out `account`. */
function sourceAccountAllows(condition: any, account: string): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    if (!/^String(Equals|Like)$/.test(operator)) continue;
    for (const [key, values] of Object.entries(entries as Record<string, unknown>)) {
      if (key.toLowerCase() !== 'aws:sourceaccount') continue;
      const patterns = list(values);
      const match = patterns.some((p) => (operator === 'StringLike'
        ? new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(account)
        : p === account));
      if (!match) return false;
    }
  }
  return true;
}
