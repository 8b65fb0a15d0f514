/** The two AWS accounts of the local runtime, kept apart in the emulator. */
export const PLATFORM_ACCOUNT = '123456789012';
/** The n-th workspace's customer account (from 1): each workspace has an account of its own. */
export const customerAccount = (n: number): string => String(111122223333 + (n - 1) * 1_000_000);
export const CUSTOMER_ACCOUNT = customerAccount(1);
/** Who the local runtime's registry changes are recorded as. */
export const LOCAL_OPERATOR = `arn:aws:iam::${PLATFORM_ACCOUNT}:user/local-operator`;
export const REGION = 'us-east-1';

/** moto checks no signatures: any key works, and the `x-moto-account-id` header picks the account. */
export const EMULATOR_CREDENTIALS = {
  accessKeyId: 'AKIALOCALEMULATOR',
  secretAccessKey: 'local-emulator-secret',
};

type BuildMiddleware = (
  next: (args: { request: unknown }) => Promise<unknown>,
) => (args: { request: unknown }) => Promise<unknown>;

interface SdkClient {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware stack is generic over every client's types
  middlewareStack: { add(middleware: any, options: { step: 'build'; name: string }): void };
}

/** An SDK client acting in `account` on the emulator at `endpoint`. */
export function emulatorClient<C extends SdkClient, X extends object = object>(
  Client: new (
    config: { region: string; endpoint: string; credentials: typeof EMULATOR_CREDENTIALS } & X,
  ) => C,
  endpoint: string,
  account: string,
  /** Settings of this client type (S3's path-style addressing, say). */
  extra?: X,
): C {
  const client = new Client({ region: REGION, endpoint, credentials: EMULATOR_CREDENTIALS, ...(extra as X) });
  const addAccountHeader: BuildMiddleware = (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-moto-account-id'] = account;
    return next(args);
  };
  client.middlewareStack.add(addAccountHeader, { step: 'build', name: 'motoAccountHeader' });
  return client;
}
