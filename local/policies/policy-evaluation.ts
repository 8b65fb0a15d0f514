/**
 * IAM policy evaluation for the local gateway, which decides what moto does not: trust policies,
 * KMS key policies, Lambda resource policies and the identity policies they defer to. It reads
 * the grammar AWS documents (Action/NotAction, Resource/NotResource, Principal/NotPrincipal, the
 * string, ARN, Bool and Null condition operators with IfExists and ForAnyValue/ForAllValues);
 * a condition operator it does not know makes an Allow not apply and a Deny apply.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[] | PolicyStatement;
}

/** Who makes a request: an IAM role or user (`arn` a role's full ARN, path included), or an AWS service. */
export type Caller =
  | { readonly arn: string; readonly account: string; readonly sessionArn?: string }
  | { readonly service: string };

export interface AccessRequest {
  readonly caller: Caller;
  readonly action: string;
  readonly resource: string;
  /** Condition keys as AWS sets them for this request; names are matched in any case. */
  readonly context: Readonly<Record<string, string | undefined>>;
}

/** A resource policy's answer: `allowed-for-account` when only the caller's account is named, which defers to its IAM policies. */
export type ResourcePolicyVerdict = 'denied' | 'allowed' | 'allowed-for-account' | 'not-allowed';
export type IdentityPolicyVerdict = 'denied' | 'allowed' | 'not-allowed';

export const list = (value: unknown): string[] =>
  value === undefined || value === null ? [] : [value].flat().map(String);

/** What a resource policy (trust, key or function policy) says of a request. */
export function resourcePolicyVerdict(
  policy: PolicyDocument | undefined,
  request: AccessRequest,
): ResourcePolicyVerdict {
  let verdict: ResourcePolicyVerdict = 'not-allowed';
  for (const statement of statementsOf(policy)) {
    const principal = principalMatch(statement, request.caller);
    if (!principal) continue;
    const applies = statementApplies(statement, request);
    if (statement.Effect === 'Deny') {
      if (applies !== false) return 'denied';
    } else if (applies === true) {
      if (principal === 'direct') verdict = 'allowed';
      else if (verdict === 'not-allowed') verdict = 'allowed-for-account';
    }
  }
  return verdict;
}

/** What a principal's identity policies say of a request. */
export function identityPolicyVerdict(
  policies: readonly PolicyDocument[],
  request: AccessRequest,
): IdentityPolicyVerdict {
  let verdict: IdentityPolicyVerdict = 'not-allowed';
  for (const statement of policies.flatMap(statementsOf)) {
    const applies = statementApplies(statement, request);
    if (statement.Effect === 'Deny' && applies !== false) return 'denied';
    if (statement.Effect === 'Allow' && applies === true) verdict = 'allowed';
  }
  return verdict;
}

/** The context keys every request carries, from its caller. */
export function callerContext(caller: Caller): Record<string, string> {
  return 'service' in caller
    ? { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': caller.service }
    : {
        'aws:PrincipalArn': caller.arn,
        'aws:PrincipalAccount': caller.account,
        'aws:PrincipalIsAWSService': 'false',
        // Delivery in AWS is over TLS, which the customer stack's policies require.
        'aws:SecureTransport': 'true',
      };
}

function statementsOf(policy: PolicyDocument | undefined): PolicyStatement[] {
  return policy ? [policy.Statement].flat() : [];
}

/** Whether the statement's action, resource and conditions cover the request; undefined when a condition is not understood. */
function statementApplies(statement: PolicyStatement, request: AccessRequest): boolean | undefined {
  const action = (patterns: unknown) => list(patterns).some((p) => globMatches(p, request.action, true));
  const resource = (patterns: unknown) => list(patterns).some((p) => globMatches(p, request.resource, false));
  if (statement.Action !== undefined && !action(statement.Action)) return false;
  if (statement.NotAction !== undefined && action(statement.NotAction)) return false;
  if (statement.Resource !== undefined && !resource(statement.Resource)) return false;
  if (statement.NotResource !== undefined && resource(statement.NotResource)) return false;
  return conditionsHold(statement.Condition ?? {}, request.context);
}

/** How the statement's principal names the caller: itself (or everyone), its account, or not at all. */
function principalMatch(statement: PolicyStatement, caller: Caller): 'direct' | 'account' | undefined {
  if (statement.NotPrincipal !== undefined) {
    return principalMatch({ Principal: statement.NotPrincipal }, caller) ? undefined : 'direct';
  }
  const principal = statement.Principal;
  if (principal === '*') return 'direct';
  // moto stores a Lambda permission's principal as the bare string it was given.
  const { AWS, Service } = (
    typeof principal === 'string'
      ? principal.endsWith('.amazonaws.com')
        ? { Service: principal }
        : { AWS: principal }
      : (principal ?? {})
  ) as { AWS?: unknown; Service?: unknown };
  if ('service' in caller) return list(Service).includes(caller.service) ? 'direct' : undefined;
  let match: 'direct' | 'account' | undefined;
  for (const value of list(AWS)) {
    if (value === '*' || value === caller.arn || value === caller.sessionArn) return 'direct';
    if (value === caller.account || value === `arn:aws:iam::${caller.account}:root`) match = 'account';
  }
  return match;
}

const NEGATED = new Set([
  'stringnotequals',
  'stringnotequalsignorecase',
  'stringnotlike',
  'arnnotequals',
  'arnnotlike',
]);

const OPERATORS: Record<string, (actual: string, expected: string[]) => boolean> = {
  stringequals: (a, e) => e.includes(a),
  stringnotequals: (a, e) => !e.includes(a),
  stringequalsignorecase: (a, e) => e.some((v) => v.toLowerCase() === a.toLowerCase()),
  stringnotequalsignorecase: (a, e) => !e.some((v) => v.toLowerCase() === a.toLowerCase()),
  stringlike: (a, e) => e.some((v) => globMatches(v, a, false)),
  stringnotlike: (a, e) => !e.some((v) => globMatches(v, a, false)),
  arnequals: (a, e) => e.some((v) => globMatches(v, a, false)),
  arnlike: (a, e) => e.some((v) => globMatches(v, a, false)),
  arnnotequals: (a, e) => !e.some((v) => globMatches(v, a, false)),
  arnnotlike: (a, e) => !e.some((v) => globMatches(v, a, false)),
  bool: (a, e) => e.some((v) => v.toLowerCase() === a.toLowerCase()),
};

/** Every condition holds (true), one fails (false), or one is not understood (undefined). */
function conditionsHold(
  conditions: Record<string, Record<string, unknown>>,
  context: Readonly<Record<string, string | undefined>>,
): boolean | undefined {
  const values = new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
  let understood = true;
  for (const [name, entries] of Object.entries(conditions)) {
    const [, qualifier = '', bare, ifExists] = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/i.exec(
      name,
    ) as RegExpExecArray;
    const operator = bare.toLowerCase();
    const test = OPERATORS[operator];
    for (const [key, expected] of Object.entries(entries)) {
      const actual = values.get(key.toLowerCase());
      let holds: boolean;
      if (operator === 'null') holds = list(expected).includes(String(actual === undefined));
      else if (!test) {
        understood = false;
        continue;
      } else if (actual === undefined)
        holds = Boolean(ifExists) || NEGATED.has(operator) || qualifier.toLowerCase() === 'forallvalues';
      else holds = test(actual, list(expected));
      if (!holds) return false;
    }
  }
  return understood ? true : undefined;
}

/** IAM wildcards: `*` any run of characters, `?` any one. */
function globMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
