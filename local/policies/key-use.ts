import {
  type AccessRequest,
  type Caller,
  callerContext,
  identityPolicyVerdict,
  type PolicyDocument,
  resourcePolicyVerdict,
} from './policy-evaluation';

/** A KMS grant as `ListGrants` returns it. */
export interface KeyGrant {
  readonly GranteePrincipal?: string;
  readonly Operations?: readonly string[];
  readonly Constraints?: {
    readonly EncryptionContextSubset?: Record<string, string>;
    readonly EncryptionContextEquals?: Record<string, string>;
  };
}

export interface CustomerKey {
  readonly arn: string;
  readonly policy: PolicyDocument;
  readonly grants: readonly KeyGrant[];
}

/** One use of a key: a KMS operation by a caller, directly or through a service on its behalf. */
export interface KeyUse {
  readonly key: CustomerKey;
  readonly caller: Caller;
  /** The caller's identity policies (none for a service). */
  readonly identityPolicies: readonly PolicyDocument[];
  /** `GenerateDataKey`, `Decrypt`, … */
  readonly operation: string;
  /** The service calling KMS for the caller (`sns.us-east-1.amazonaws.com`): `kms:ViaService`. */
  readonly viaService?: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** For a service principal: the resource it acts for (`aws:SourceArn`, `aws:SourceAccount`). */
  readonly sourceArn?: string;
}

export type KeyUseDecision =
  | { readonly allowed: true; readonly by: 'key policy' | 'key policy and IAM policy' | 'grant' }
  | { readonly allowed: false; readonly reason: string };

/**
 * Decides a use of a customer managed key as KMS does: an explicit deny in the key policy or the
 * caller's IAM policies refuses it; otherwise a grant to the caller, or the key policy, allows it.
 * A key policy statement naming the caller allows it alone (in the key's account); one naming the
 * caller's account (its root) defers to the caller's IAM policies, which must then allow the action
 * on the key, as they must for a caller of another account however it is named.
 */
export function decideKeyUse(use: KeyUse): KeyUseDecision {
  const action = `kms:${use.operation}`;
  const keyAccount = use.key.arn.split(':')[4];
  const context: Record<string, string | undefined> = {
    ...callerContext(use.caller),
    'kms:ViaService': use.viaService,
    ...('service' in use.caller
      ? { 'aws:SourceArn': use.sourceArn, 'aws:SourceAccount': use.sourceArn?.split(':')[4] }
      : { 'kms:CallerAccount': use.caller.account }),
    ...Object.fromEntries(
      Object.entries(use.encryptionContext ?? {}).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]),
    ),
  };
  const request: AccessRequest = { caller: use.caller, action, resource: use.key.arn, context };
  const keyPolicy = resourcePolicyVerdict(use.key.policy, request);
  const identity = identityPolicyVerdict(use.identityPolicies, request);
  const who = 'service' in use.caller ? use.caller.service : (use.caller.sessionArn ?? use.caller.arn);
  const refused = (because: string) => ({
    allowed: false as const,
    reason: `User: ${who} is not authorized to perform: ${action} on resource: ${use.key.arn} ${because}`,
  });
  if (keyPolicy === 'denied') return refused('with an explicit deny in a resource-based policy');
  if (identity === 'denied') return refused('with an explicit deny in an identity-based policy');
  if (use.key.grants.some((grant) => grantAllows(grant, use))) return { allowed: true, by: 'grant' };
  const sameAccount = 'service' in use.caller || use.caller.account === keyAccount;
  if (keyPolicy === 'allowed' && sameAccount) return { allowed: true, by: 'key policy' };
  if (keyPolicy === 'not-allowed')
    return refused(`because no resource-based policy allows the ${action} action`);
  if (identity === 'allowed') return { allowed: true, by: 'key policy and IAM policy' };
  return refused(`because no identity-based policy allows the ${action} action`);
}

/** A grant to the caller (its role, as a role's sessions are covered by it) for the operation, its constraints met. */
function grantAllows(grant: KeyGrant, use: KeyUse): boolean {
  if ('service' in use.caller || grant.GranteePrincipal !== use.caller.arn) return false;
  if (!grant.Operations?.includes(use.operation)) return false;
  const context = use.encryptionContext ?? {};
  const { EncryptionContextSubset: subset, EncryptionContextEquals: equals } = grant.Constraints ?? {};
  if (subset && !Object.entries(subset).every(([k, v]) => context[k] === v)) return false;
  if (equals) {
    const entries = Object.entries(equals);
    return entries.length === Object.keys(context).length && entries.every(([k, v]) => context[k] === v);
  }
  return true;
}
