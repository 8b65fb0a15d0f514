#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadDestinations } from '../lib/config/load-destinations';
import { applyNagPacks } from '../lib/nag';
import { PlatformStack } from '../lib/stacks/platform-stack';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

new PlatformStack(app, 'EventDeliveryPlatform', {
  env,
  destinations: loadDestinations(app.node),
  fifoIngestQueue:
    app.node.tryGetContext('fifoIngestQueue') === true ||
    app.node.tryGetContext('fifoIngestQueue') === 'true',
});

applyNagPacks(app);
