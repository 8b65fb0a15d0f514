#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { applyCompliancePacks } from '../lib/nag';
import { CustomerStack } from '../lib/stacks/customer-stack';

/** The customer kit, deployed into a customer's account: `npm run deploy:customer -- -c …`. */
const app = new App();
const context = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === '' ? undefined : String(value);
};
const required = ['platformAccountId', 'dispatcherRoleArn', 'externalId'] as const;
const missing = required.filter((name) => context(name) === undefined);
if (missing.length > 0) {
  throw new Error(
    `Missing context: ${missing.join(', ')}. Ask the platform for them, then run:\n` +
      '  npm run deploy:customer -- -c platformAccountId=123456789012 \\\n' +
      '    -c dispatcherRoleArn=arn:aws:iam::123456789012:role/… -c externalId=…',
  );
}

new CustomerStack(app, 'EventDeliveryCustomer', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  platformAccountId: context('platformAccountId') as string,
  dispatcherRoleArn: context('dispatcherRoleArn') as string,
  externalId: context('externalId') as string,
  // Optional: the platform's PayloadBucketArn and PayloadKeyArn outputs, to receive oversize events.
  payloadBucketArn: context('payloadBucketArn'),
  payloadKeyArn: context('payloadKeyArn'),
});

applyCompliancePacks(app);
