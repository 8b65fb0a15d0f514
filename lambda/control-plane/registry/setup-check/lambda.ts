import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { DestinationClients } from '../../../dispatcher/deliver/clients';
import { classifyError } from '../../../dispatcher/errors';
import type { LambdaDestination } from '../../../shared/destination-config';
import { describeError, type TargetCheck } from './common';

/** A function: a DryRun invoke, through the delivery role or with the dispatcher's own identity. */
export const checkFunction: TargetCheck<LambdaDestination> = async (destination, clients) => {
  try {
    await clients
      .client(LambdaClient, destination)
      .send(new InvokeCommand({ FunctionName: destination.functionArn, InvocationType: 'DryRun' }));
    return [{ step: 'invoke (DryRun)', verdict: 'ok', detail: 'the function exists and may be invoked' }];
  } catch (error) {
    const classified = classifyError(error);
    const viaRole = Boolean(destination.roleArn);
    return [
      {
        step: 'invoke (DryRun)',
        verdict: 'fail',
        detail: describeError(error),
        fix:
          classified.code === 'DestinationNotFound'
            ? 'check the function name, region and account'
            : viaRole
              ? "grant lambda:InvokeFunction on the function to the delivery role (DeliveryRole's functions)"
              : `add a resource policy to the function letting the platform's dispatcher role invoke it: aws lambda add-permission --function-name ${destination.functionArn} --statement-id event-delivery-platform --action lambda:InvokeFunction --principal ${await dispatcherRole(destination, clients)}`,
      },
    ];
  }
};

/** The role the check runs as, which is the dispatcher's for a role-less destination. */
async function dispatcherRole(destination: LambdaDestination, clients: DestinationClients): Promise<string> {
  try {
    const { Arn = '' } = await clients.client(STSClient, destination).send(new GetCallerIdentityCommand({}));
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(Arn);
    if (session) return `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  } catch {
    // The placeholder below names it.
  }
  return '<DispatcherRoleArn>';
}
