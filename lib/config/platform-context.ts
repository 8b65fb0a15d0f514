import type { Node } from 'constructs';
import type { PlatformStackProps } from '../stacks/platform-stack';
import { loadStaticWorkspaces } from './load-static-workspaces';

/**
 * The platform stack's props from CDK context (`cdk deploy -c …`): read the same way by
 * `bin/app.ts` and by the local runtime, which synthesizes the stack in-process.
 */
export function platformPropsFromContext(node: Node): Omit<PlatformStackProps, 'env'> {
  const json = (name: string) => {
    const value: unknown = node.tryGetContext(name);
    return typeof value === 'string' ? JSON.parse(value) : value;
  };
  const number = (name: string): number | undefined => {
    const value: unknown = node.tryGetContext(name);
    return value === undefined ? undefined : Number(value);
  };
  return {
    staticWorkspaces: loadStaticWorkspaces(node),
    // [{ "workspaceId": "…", "roleArn": "…" }]: registry workspaces' delivery roles that read offloaded payloads.
    payloadReaders: json('payloadReaders'),
    fifoIngestQueue: String(node.tryGetContext('fifoIngestQueue')) === 'true',
    dispatcher: {
      reservedConcurrency: number('dispatcherReservedConcurrency'),
      maxConcurrency: number('dispatcherMaxConcurrency'),
      batchSize: number('dispatcherBatchSize'),
    },
  };
}
