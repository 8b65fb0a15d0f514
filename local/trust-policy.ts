import { callerContext, type PolicyDocument, resourcePolicyVerdict } from './policies/policy-evaluation';

/**
 * Decides an AssumeRole request against a role's trust policy, for the local gateway: moto
 * does not enforce trust policies. A statement naming the caller's account lets it in as one naming
 * the caller does: the caller's own permission to assume roles is not modelled locally (the
 * dispatcher's is proven by the infrastructure tests).
 */
export function trustPolicyAllows(
  policy: PolicyDocument,
  request: { callerArn: string; callerAccount: string; externalId?: string; sessionArn?: string },
): boolean {
  const caller = { arn: request.callerArn, account: request.callerAccount, sessionArn: request.sessionArn };
  const verdict = resourcePolicyVerdict(policy, {
    caller,
    action: 'sts:AssumeRole',
    resource: '',
    context: { ...callerContext(caller), 'sts:ExternalId': request.externalId },
  });
  return verdict === 'allowed' || verdict === 'allowed-for-account';
}
