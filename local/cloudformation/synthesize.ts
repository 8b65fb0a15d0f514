import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { platformPropsFromContext } from '../../lib/config/platform-context';
import { CustomerStack } from '../../lib/stacks/customer-stack';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import type { Template } from './template';

export const PLATFORM_STACK = 'EventDeliveryPlatform';
export const CUSTOMER_STACK = 'EventDeliveryCustomer';

export interface Environment {
  readonly account: string;
  readonly region: string;
}

export interface PlatformTemplateOptions extends Environment {
  /**
   * CDK context, as `cdk synth -c` gives it to `bin/app.ts`: `fifoIngestQueue`, `payloadReaders`,
   * `dispatcherBatchSize`, `dispatcherMaxConcurrency`, `dispatcherReservedConcurrency`,
   * `destinations` or `destinationsFile`.
   * @default none: a standard ingest queue, every workspace in the registry
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /** `false`: without the console's hosting (CloudFront, its bucket). @default as deployed, with it: needs `console/dist` */
  readonly console?: false;
}

export interface CustomerTemplateOptions extends Environment {
  readonly platformAccountId: string;
  readonly dispatcherRoleArn: string;
  readonly externalId: string;
  /** The platform's `PayloadBucketArn` output. @default none */
  readonly payloadBucketArn?: string;
  /** The platform's `PayloadKeyArn` output. @default none */
  readonly payloadKeyArn?: string;
}

/**
 * The app's context: cdk.json's feature flags (what `cdk synth` synthesizes with), Lambda bundling
 * skipped (esbuild is slow, and local handlers run from source), construct paths recorded (so
 * callers can find resources by path), and the caller's context. cdk.json's `destinationsFile`
 * is not taken: locally, workspaces live in the registry unless the caller says otherwise.
 */
function localApp(context: Readonly<Record<string, unknown>> = {}): App {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const flags = Object.fromEntries(
    Object.entries(cdkJson.context).filter(([key]) => key.startsWith('@aws-cdk/')),
  );
  return new App({
    context: {
      ...flags,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-path-metadata': true,
      ...context,
    },
  });
}

/** The platform stack's template, built as `bin/app.ts` builds it (compliance packs aside: they only check). */
export function platformTemplate(options: PlatformTemplateOptions): Template {
  const app = localApp(options.context);
  new PlatformStack(app, PLATFORM_STACK, {
    env: { account: options.account, region: options.region },
    ...platformPropsFromContext(app.node),
    ...(options.console === false && { console: false }),
  });
  return app.synth().getStackByName(PLATFORM_STACK).template as Template;
}

/** A workspace's customer stack template, built as `bin/customer-app.ts` builds it. */
export function customerTemplate(options: CustomerTemplateOptions): Template {
  const app = localApp();
  new CustomerStack(app, CUSTOMER_STACK, {
    env: { account: options.account, region: options.region },
    platformAccountId: options.platformAccountId,
    dispatcherRoleArn: options.dispatcherRoleArn,
    externalId: options.externalId,
    payloadBucketArn: options.payloadBucketArn,
    payloadKeyArn: options.payloadKeyArn,
  });
  return app.synth().getStackByName(CUSTOMER_STACK).template as Template;
}
