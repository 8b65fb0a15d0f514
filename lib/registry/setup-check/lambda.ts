import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { classifyError } from '../../../lambda/dispatcher/errors';
import type { LambdaDestination } from '../../../lambda/shared/destination-config';
import type { TargetCheck } from './common';

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
        detail: `${classified.code}: ${classified.message}`,
        fix:
          classified.code === 'DestinationNotFound'
            ? 'check the function name, region and account'
            : viaRole
              ? "grant lambda:InvokeFunction on the function to the delivery role (DeliveryRole's functions)"
              : "add a resource policy to the function letting the platform's dispatcher role invoke it (lambda add-permission --principal <DispatcherRoleArn>)",
      },
    ];
  }
};
