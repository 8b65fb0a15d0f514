#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { platformPropsFromContext } from '../lib/config/platform-context';
import { applyCompliancePacks } from '../lib/nag';
import { PlatformStack } from '../lib/stacks/platform-stack';

const app = new App();
new PlatformStack(app, 'EventDeliveryPlatform', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...platformPropsFromContext(app.node),
});

applyCompliancePacks(app);
