#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStaticWorkspaces } from '../lib/config/load-static-workspaces';
import { applyCompliancePacks } from '../lib/nag';
import { PlatformStack } from '../lib/stacks/platform-stack';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
const jsonContext = (name: string) => {
  const value: unknown = app.node.tryGetContext(name);
  return typeof value === 'string' ? JSON.parse(value) : value;
};
const contextNumber = (name: string): number | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined ? undefined : Number(value);
};

new PlatformStack(app, 'EventDeliveryPlatform', {
  env,
  staticWorkspaces: loadStaticWorkspaces(app.node),
  // [{ "workspaceId": "…", "roleArn": "…" }]: registry workspaces' delivery roles that read offloaded payloads.
  payloadReaders: jsonContext('payloadReaders'),
  fifoIngestQueue: String(app.node.tryGetContext('fifoIngestQueue')) === 'true',
  dispatcher: {
    reservedConcurrency: contextNumber('dispatcherReservedConcurrency'),
    maxConcurrency: contextNumber('dispatcherMaxConcurrency'),
    batchSize: contextNumber('dispatcherBatchSize'),
  },
});

applyCompliancePacks(app);
