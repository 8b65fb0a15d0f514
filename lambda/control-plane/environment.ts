/** The control plane's configuration, read once per execution environment. */
export interface ControlPlaneEnvironment {
  readonly registryTable: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The user pool's region: Lambda's own (AWS_REGION). */
  readonly region: string;
  /** The dispatcher's role: the setup check runs as it. Absent for the authorizer. */
  readonly dispatcherRoleArn?: string;
  readonly metricsNamespace?: string;
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
    ...(env.POWERTOOLS_METRICS_NAMESPACE && { metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE }),
  };
}
