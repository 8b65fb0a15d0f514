import type { PolicyDocument } from './definitions';

/**
 * Decides an AssumeRole request against a role's trust policy, for the local gateway: moto
 * does not enforce trust policies. It reads what this project's trust policies use (AWS
 * principals, `StringEquals` conditions) and denies anything it does not understand.
 */
export function trustPolicyAllows(
  policy: PolicyDocument,
  request: { callerArn: string; callerAccount: string; externalId?: string },
): boolean {
  const context: Record<string, string | undefined> = {
    'sts:externalid': request.externalId,
    'aws:principalarn': request.callerArn,
    'aws:principalaccount': request.callerAccount,
  };
  const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));
  return policy.Statement.some((statement) => {
    if (statement.Effect !== 'Allow' || !list(statement.Action).includes('sts:AssumeRole')) return false;
    const principals = list((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
    const principalMatches = principals.some(
      (p) =>
        p === request.callerArn ||
        p === request.callerAccount ||
        p === `arn:aws:iam::${request.callerAccount}:root`,
    );
    if (!principalMatches) return false;
    const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
    return Object.entries(conditions).every(
      ([operator, entries]) =>
        operator === 'StringEquals' &&
        Object.entries(entries).every(([key, expected]) => {
          const actual = context[key.toLowerCase()];
          return actual !== undefined && list(expected).includes(actual);
        }),
    );
  });
}
