import { runSimulation } from '@cloud-copilot/iam-simulate';

type PolicyDocument = { Version?: string; Statement: unknown[] };

export interface SimulatedRequest {
  /** The calling identity, a role ARN; `aws:PrincipalArn` and `aws:PrincipalAccount` are derived from it. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context?: Record<string, string>;
  readonly identityPolicies: PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
}

/** Evaluates a request with a real IAM policy engine; returns 'Allowed', 'ImplicitlyDenied' or 'ExplicitlyDenied'. */
export async function simulate(request: SimulatedRequest): Promise<string> {
  const principalAccount = request.principal.split(':')[4];
  const response = await runSimulation(
    {
      identityPolicies: request.identityPolicies.map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy && { resourcePolicy: request.resourcePolicy }),
      request: {
        action: request.action,
        principal: request.principal,
        resource: { accountId: request.resourceAccount, resource: request.resource },
        contextVariables: {
          'aws:PrincipalArn': request.principal,
          'aws:PrincipalAccount': principalAccount,
          'aws:SecureTransport': 'true',
          ...request.context,
        },
      },
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (response.resultType === 'error')
    throw new Error(`simulation rejected: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}
