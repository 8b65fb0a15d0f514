import { parseAllowedOrigins } from './http/cors';

/** The control plane's configuration, read once per execution environment. */
export interface ControlPlaneEnvironment {
  readonly registryTable: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The user pool's region: Lambda's own (AWS_REGION). */
  readonly region: string;
  /** The dispatcher's role: the setup check runs as it. Absent for the authorizer. */
  readonly dispatcherRoleArn?: string;
  /** Workspaces' dead letters (DEAD_LETTER_TABLE). @default none: the dead-letter routes answer 501 */
  readonly deadLetterTable?: string;
  /** Where redriven dead letters go (INGEST_QUEUE_URL). @default none: redrive answers 501 */
  readonly ingestQueueUrl?: string;
  /** The dispatcher's log group (DISPATCHER_LOG_GROUP). @default none: the delivery routes answer 503 */
  readonly dispatcherLogGroup?: string;
  /** The dispatcher's destination status table (DESTINATION_STATUS_TABLE). @default none: circuits from the logs only */
  readonly destinationStatusTable?: string;
  readonly metricsNamespace?: string;
  /** Origins whose pages may read the API's answers (ALLOWED_ORIGINS): the console's. @default none */
  readonly allowedOrigins: readonly string[];
}

/** Reads the variables, naming every missing one at once. */
export function readControlPlaneEnvironment(
  env: NodeJS.ProcessEnv,
  options: { readonly needsDispatcher: boolean },
): ControlPlaneEnvironment {
  const names = [
    'REGISTRY_TABLE',
    'USER_POOL_ID',
    'USER_POOL_CLIENT_ID',
    ...(options.needsDispatcher ? ['DISPATCHER_ROLE_ARN'] : []),
  ];
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0)
    throw new Error(`control plane: missing environment variables ${missing.join(', ')}`);
  return {
    registryTable: env.REGISTRY_TABLE as string,
    userPoolId: env.USER_POOL_ID as string,
    userPoolClientId: env.USER_POOL_CLIENT_ID as string,
    // The pool's id begins with its region, which is the function's.
    region: env.AWS_REGION ?? (env.USER_POOL_ID as string).split('_')[0],
    ...(env.DISPATCHER_ROLE_ARN && { dispatcherRoleArn: env.DISPATCHER_ROLE_ARN }),
    ...(env.DEAD_LETTER_TABLE && { deadLetterTable: env.DEAD_LETTER_TABLE }),
    ...(env.INGEST_QUEUE_URL && { ingestQueueUrl: env.INGEST_QUEUE_URL }),
    ...(env.DISPATCHER_LOG_GROUP && { dispatcherLogGroup: env.DISPATCHER_LOG_GROUP }),
    ...(env.DESTINATION_STATUS_TABLE && { destinationStatusTable: env.DESTINATION_STATUS_TABLE }),
    ...(env.POWERTOOLS_METRICS_NAMESPACE && { metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE }),
    allowedOrigins: parseAllowedOrigins(env.ALLOWED_ORIGINS),
  };
}
