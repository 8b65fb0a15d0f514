import {
  type AccessRequest,
  callerContext,
  identityPolicyVerdict,
  type PolicyDocument,
  resourcePolicyVerdict,
} from './policy-evaluation';

export interface FunctionInvoke {
  readonly functionArn: string;
  /** The function's resource policy (`GetPolicy`), if it has one. */
  readonly resourcePolicy?: PolicyDocument;
  /** A role (its full ARN) and its session. */
  readonly caller: { readonly arn: string; readonly account: string; readonly sessionArn?: string };
  /** The caller's identity policies, read only for a caller in the function's account. */
  readonly identityPolicies: readonly PolicyDocument[];
}

export type InvokeDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

/**
 * Decides `lambda:InvokeFunction` as Lambda does. In the function's account, either the caller's
 * IAM policies or the function's resource policy may allow it. From another account (the
 * dispatcher invoking a role-less destination), the resource policy must name the caller or its
 * account; the caller's own IAM policy is taken as allowing it, since the local platform's roles
 * carry none (the platform stack's grant is proven by the infrastructure tests).
 */
export function decideInvoke(invoke: FunctionInvoke): InvokeDecision {
  const action = 'lambda:InvokeFunction';
  const request: AccessRequest = {
    caller: invoke.caller,
    action,
    resource: invoke.functionArn,
    // A direct caller carries no aws:SourceAccount or aws:SourceArn: statements requiring them name services.
    context: callerContext(invoke.caller),
  };
  const resource = resourcePolicyVerdict(invoke.resourcePolicy, request);
  const sameAccount = invoke.functionArn.split(':')[4] === invoke.caller.account;
  const identity = sameAccount ? identityPolicyVerdict(invoke.identityPolicies, request) : 'not-allowed';
  const refused = (because: string) => ({
    allowed: false as const,
    reason: `User: ${invoke.caller.sessionArn ?? invoke.caller.arn} is not authorized to perform: ${action} on resource: ${invoke.functionArn} ${because}`,
  });
  if (resource === 'denied') return refused('with an explicit deny in a resource-based policy');
  if (identity === 'denied') return refused('with an explicit deny in an identity-based policy');
  if (resource === 'allowed' || identity === 'allowed') return { allowed: true };
  if (!sameAccount && resource === 'allowed-for-account') return { allowed: true };
  return refused(
    sameAccount
      ? `because no identity-based policy allows the ${action} action`
      : `because no resource-based policy allows the ${action} action`,
  );
}
