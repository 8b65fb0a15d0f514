import * as path from 'node:path';
import { ArnFormat, Duration, Fn, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, type IConstruct } from 'constructs';
import { OPERATORS_GROUP } from '../../lambda/control-plane/access/roles';
import type { Route } from '../../lambda/control-plane/http/route';
import { ROUTES } from '../../lambda/control-plane/routes/index';
import { HMAC_KEY_SECRET_PREFIX } from '../../lambda/shared/registry-table';
import type { DeadLetterStore } from './dead-letter-store';
import { grantKeyThrough } from './encryption-key';
import { EventDispatcher } from './event-dispatcher';
import type { IngestQueue } from './ingest-queue';
import type { RegistryTable } from './registry-table';

/**
 * Requests one caller (one `Authorization` header) may make in `CALLER_RATE_WINDOW_SECONDS`
 * before the WAF answers 429; the local adapter enforces the same number.
 */
export const CALLER_RATE_LIMIT = 600;
/** The window `CALLER_RATE_LIMIT` counts over: WAF's rate-based rules evaluate 5 minutes by default. */
export const CALLER_RATE_WINDOW_SECONDS = 300;
/** The code of the WAF's answer to a caller over `CALLER_RATE_LIMIT`, as the API's other errors carry one. */
export const CALLER_RATE_LIMITED_CODE = 'TooManyRequests';
/** The API's stage: paths begin with `/v1/` themselves. */
export const CONTROL_PLANE_STAGE = 'prod';

export interface ControlPlaneProps {
  /** The registry the API reads and writes (workspaces, destinations, members, API keys, audit). */
  readonly registry: RegistryTable;
  /** Customer-managed key for the functions' and the API's log groups. */
  readonly encryptionKey: kms.IKey;
  /**
   * The dispatcher's role: the setup check and test events run as it (customers' trust policies
   * admit it, not the API). Its trust policy must admit `apiFunction.role`: the caller adds that.
   */
  readonly dispatcherRole: iam.IRole;
  /**
   * Each workspace's dead letters: the API lists, shows, redrives and discards them.
   * @default none: the dead-letter routes answer 501 DeadLettersNotConfigured
   */
  readonly deadLetterStore?: DeadLetterStore;
  /**
   * Where the API's redrive sends dead letters back: the ingest queue.
   * @default none: redrive answers 501 DeadLettersNotConfigured
   */
  readonly ingestQueue?: IngestQueue;
  /**
   * The dispatcher's log group: customers' delivery health, failures and event stories are read
   * from it with Logs Insights, scoped to their workspace.
   * @default none: the delivery routes answer 503 DeliveryLogsUnavailable
   */
  readonly dispatcherLogGroup?: logs.ILogGroup;
  /**
   * The dispatcher's destination status table: failing since when, disabled and why.
   * @default none: circuits from the logs only, and no disabled state
   */
  readonly destinationStatusTable?: dynamodb.ITable;
  /**
   * Browser origins allowed to call the API (CORS), such as the console's
   * `https://console.example.com`; tokens allowed (a distribution's domain). The gateway's own
   * errors (401, 403, 429, …) can name one fixed origin: the first, so list the console's first.
   * The API function gets them all as `ALLOWED_ORIGINS` (comma-separated).
   * @default none: no CORS, no OPTIONS methods
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Requests per 5 minutes one caller (one `Authorization` header value) may make; the WAF
   * answers 429 beyond it.
   * @default CALLER_RATE_LIMIT (600)
   */
  readonly callerRateLimit?: number;
  /**
   * Requests per 5 minutes from one IP address, whatever their credentials: the backstop for
   * requests without an `Authorization` header or with a new one each time.
   * @default 3000
   */
  readonly ipRateLimit?: number;
  /**
   * The stage's steady-state request rate (requests per second, all callers).
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * The stage's burst (requests, all callers).
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long the functions' logs and the API's access logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda', 'control-plane');
const API_ENTRY = path.join(LAMBDA_DIR, 'index.ts');
const AUTHORIZER_ENTRY = path.join(LAMBDA_DIR, 'authorizer.ts');

/** WAF's bounds on a rate-based rule's limit. */
const WAF_RATE_LIMIT = { min: 10, max: 2_000_000_000 } as const;

/** One operation of the API as the gateway needs it: where, which method, and whether it is public. */
type ApiRoute = Pick<Route, 'method' | 'path' | 'access'>;

/**
 * Why each route without authorization needs none: a route the table makes public without a
 * reason here fails synth, so none goes unauthenticated unreviewed.
 */
const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  'GET /v1/openapi.json':
    'The OpenAPI document describes the API; it holds no workspace data, and the WAF limits its callers.',
  'GET /v1/sign-in':
    "The user pool's region, id and app client id: public values every app that signs in to the pool holds (the client has no secret); no workspace data, and the WAF limits its callers.",
};

/**
 * Every error the gateway itself answers (authorizer refusal, throttling, unknown route, a
 * function failure) is JSON with a stable `code`, a message and the request id, as the API
 * function's own errors are.
 */
const GATEWAY_RESPONSES: readonly {
  readonly id: string;
  readonly type: apigateway.ResponseType;
  /** @default the status API Gateway gives the type */
  readonly statusCode?: string;
  readonly code: string;
  /** A JSON value in the template: a quoted string, or `$context.error.messageString` (quoted already). */
  readonly message: string;
}[] = [
  {
    id: 'Unauthorized',
    type: apigateway.ResponseType.UNAUTHORIZED,
    statusCode: '401',
    code: 'Unauthorized',
    message: JSON.stringify(
      'sign in (Authorization: Bearer <access token>) or give a valid, unrevoked and unexpired API key',
    ),
  },
  {
    id: 'AccessDenied',
    type: apigateway.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    code: 'Forbidden',
    message: JSON.stringify('these credentials may not make this request'),
  },
  {
    id: 'RouteNotFound',
    type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    code: 'RouteNotFound',
    message: JSON.stringify('no such route: see /v1/openapi.json'),
  },
  {
    id: 'Throttled',
    type: apigateway.ResponseType.THROTTLED,
    statusCode: '429',
    code: CALLER_RATE_LIMITED_CODE,
    message: JSON.stringify('too many requests: slow down and retry'),
  },
  {
    id: 'WafFiltered',
    type: apigateway.ResponseType.WAF_FILTERED,
    statusCode: '403',
    code: 'RequestBlocked',
    message: JSON.stringify('the web application firewall refused this request'),
  },
  {
    id: 'Default4xx',
    type: apigateway.ResponseType.DEFAULT_4XX,
    code: 'BadRequest',
    message: '$context.error.messageString',
  },
  {
    id: 'Default5xx',
    type: apigateway.ResponseType.DEFAULT_5XX,
    code: 'InternalError',
    message: JSON.stringify('the API could not answer; retry later'),
  },
];

/** Access log fields: who, what, how it went. Never a header (the `Authorization` one holds credentials) nor a path. */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  httpMethod: '$context.httpMethod',
  // The route's template, not the path: a path holds ids a person may have chosen (an event's
  // distinct_id, which may be an email address), and no personal data goes in a log.
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  principalId: '$context.authorizer.principalId',
  authorizerError: '$context.authorizer.error',
  authorizerLatency: '$context.authorizer.latency',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  wafStatus: '$context.waf.status',
  xrayTraceId: '$context.xrayTraceId',
};

/**
 * The control plane, customers' way in: a Cognito user pool (people sign in with email and
 * password, MFA required), a REST API whose every route but the public ones (the OpenAPI
 * document, where to sign in) passes a Lambda REQUEST authorizer (access tokens and workspace API
 * keys, checked on every request, no cache),
 * the API function behind it, and a WAF web ACL with a per-caller rate limit.
 *
 * A REST API rather than an HTTP API: it takes a WAF web ACL, and its Lambda authorizer answers
 * 401 with a JSON body of ours (gateway responses).
 */
export class ControlPlane extends Construct {
  /** Defaults, shared with the local adapter so both enforce the same limits. */
  static readonly DEFAULTS = {
    callerRateLimit: CALLER_RATE_LIMIT,
    ipRateLimit: 3_000,
    throttlingRateLimit: 50,
    throttlingBurstLimit: 100,
  } as const;

  /** Where the functions' embedded-format metrics go: the dispatcher's namespace. */
  static readonly METRICS_NAMESPACE = EventDispatcher.METRICS_NAMESPACE;

  public readonly api: apigateway.RestApi;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  /** The group whose members are platform operators. */
  public readonly operatorsGroup: cognito.UserPoolGroup;
  /** Serves every route; runs the setup check as the dispatcher. */
  public readonly apiFunction: nodejs.NodejsFunction;
  /** Verifies access tokens and API keys before any route runs. */
  public readonly authorizerFunction: nodejs.NodejsFunction;
  public readonly authorizer: apigateway.RequestAuthorizer;
  public readonly webAcl: wafv2.CfnWebACL;
  /** The API's access logs: one JSON line per request. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The requests the WAF blocked or counted, with the `Authorization` header redacted. */
  public readonly wafLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    const settings = this.checkedSettings(props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.userPool = this.createUserPool();
    this.operatorsGroup = new cognito.UserPoolGroup(this, 'OperatorsGroup', {
      userPool: this.userPool,
      groupName: OPERATORS_GROUP,
      description: 'Platform operators: create workspaces and act as admin in every workspace',
    });
    this.userPoolClient = this.createUserPoolClient();
    this.authorizerFunction = this.createAuthorizerFunction(props, logRetention);
    this.apiFunction = this.createApiFunction(props, logRetention);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.api = this.createApi(props, settings);
    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: this.authorizerFunction,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      // No cache: a revoked key or a removed member fails at once.
      resultsCacheTtl: Duration.seconds(0),
    });
    this.addRoutes(ROUTES);
    this.addGatewayResponses(allowedOrigins(props));
    this.webAcl = this.createWebAcl(settings);
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
    this.wafLogGroup = this.logWebAcl(props, logRetention);
  }

  /** Props with their defaults, checked together: every problem reported at once. */
  private checkedSettings(props: ControlPlaneProps) {
    const { DEFAULTS } = ControlPlane;
    const settings = {
      callerRateLimit: props.callerRateLimit ?? DEFAULTS.callerRateLimit,
      ipRateLimit: props.ipRateLimit ?? DEFAULTS.ipRateLimit,
      throttlingRateLimit: props.throttlingRateLimit ?? DEFAULTS.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit ?? DEFAULTS.throttlingBurstLimit,
    };
    const problems: string[] = [];
    for (const name of ['callerRateLimit', 'ipRateLimit'] as const) {
      const value = settings[name];
      if (!Number.isInteger(value) || value < WAF_RATE_LIMIT.min || value > WAF_RATE_LIMIT.max) {
        problems.push(
          `${name} must be an integer from ${WAF_RATE_LIMIT.min} to ${WAF_RATE_LIMIT.max}, got ${value}`,
        );
      }
    }
    if (!(settings.throttlingRateLimit > 0)) {
      problems.push(`throttlingRateLimit must be above 0, got ${settings.throttlingRateLimit}`);
    }
    if (!Number.isInteger(settings.throttlingBurstLimit) || settings.throttlingBurstLimit < 1) {
      problems.push(`throttlingBurstLimit must be a positive integer, got ${settings.throttlingBurstLimit}`);
    }
    for (const route of ROUTES) {
      const name = `${route.method} ${route.path}`;
      if (route.access === 'public' && !PUBLIC_ROUTE_REASONS[name]) {
        problems.push(
          `route ${name} is public: give the reason it needs no authorization in PUBLIC_ROUTE_REASONS`,
        );
      }
    }
    for (const origin of props.allowedOrigins ?? []) {
      // A token (a distribution's domain) is known at deploy only.
      if (!Token.isUnresolved(origin) && !isOrigin(origin)) {
        problems.push(
          `allowedOrigins: "${origin}" is not an origin (scheme://host[:port], https unless localhost, no path, no wildcard)`,
        );
      }
    }
    if (problems.length > 0) throw new Error(`ControlPlane ${this.node.path}: ${problems.join('; ')}`);
    return settings;
  }

  /**
   * People sign in with their email and a password, and a TOTP code: MFA is required. Nobody
   * signs up: operators create workspaces and invite their first admin, admins invite members.
   */
  private createUserPool(): cognito.UserPool {
    const pool = new cognito.UserPool(this, 'UserPool', {
      signInAliases: { email: true },
      signInCaseSensitive: false,
      selfSignUpEnabled: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Everything this pool uses (password policy, TOTP MFA, the pool's own sign-in) is in Lite.
      featurePlan: cognito.FeaturePlan.LITE,
      deletionProtection: true,
      // The pool holds every person's sign-in: deleting the stack must not delete it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const noPlusPlan =
      "Threat protection (advanced security) needs the Plus feature plan, billed per monthly active user; every user has MFA (TOTP) required and a 12-character password with all character classes, and the API's WAF limits each caller's rate.";
    Validations.of(pool).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-COG3', reason: noPlusPlan },
      { id: 'AwsSolutions::AwsSolutions-COG8', reason: noPlusPlan },
    );
    return pool;
  }

  /**
   * The client the CLI and the console sign in with: the pool's own API (USER_PASSWORD_AUTH,
   * then refresh), no hosted UI, no OAuth flows, no secret (a public client).
   */
  private createUserPoolClient(): cognito.UserPoolClient {
    return this.userPool.addClient('Client', {
      generateSecret: false,
      authFlows: { userPassword: true },
      disableOAuth: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // The authorizer verifies a token's signature and expiry, not whether it was revoked: a
      // token outlives a sign-out by at most this. Clients refresh it before it expires.
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.days(30),
    });
  }

  /** Verifies the caller: reads and touches API key items only (`workspace#…` keys), nothing else. */
  private createAuthorizerFunction(props: ControlPlaneProps, logRetention: logs.RetentionDays) {
    const role = this.functionRole(
      'AuthorizerRole',
      'Control plane authorizer: verifies access tokens and workspace API keys',
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.registry.table.tableArn],
        // API keys live in their workspace's item collection; memberships by user and invoke accounts do not.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['workspace#*'] } },
      }),
    );
    this.grantTableKey(props, role);
    const fn = this.createFunction('Authorizer', {
      entry: AUTHORIZER_ENTRY,
      role,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention,
      encryptionKey: props.encryptionKey,
      environment: {
        REGISTRY_TABLE: props.registry.table.tableName,
        USER_POOL_ID: this.userPool.userPoolId,
        USER_POOL_CLIENT_ID: this.userPoolClient.userPoolClientId,
        POWERTOOLS_SERVICE_NAME: 'control-plane-authorizer',
        POWERTOOLS_METRICS_NAMESPACE: ControlPlane.METRICS_NAMESPACE,
      },
    });
    // The API's permission to invoke the authorizer is made on the function.
    Validations.of(fn).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
      reason: SOURCE_ARN_BY_JOIN,
    });
    return fn;
  }

  /**
   * Serves the routes: reads and writes the registry, creates workspaces' HMAC keys and reads them
   * (to test mappings), invites people to the user pool, and runs the setup check as the dispatcher.
   */
  private createApiFunction(props: ControlPlaneProps, logRetention: logs.RetentionDays) {
    const { partition, region, account } = Stack.of(this);
    const role = this.functionRole(
      'ApiRole',
      'Control plane API: serves the tenant-scoped routes',
      props.dispatcherLogGroup &&
        'Logs Insights GetQueryResults and StopQuery name a query id, not a resource: they support no resource-level permissions (StartQuery, which chooses the log group, is granted on the dispatcher’s only).',
    );
    // TransactWriteItems and TransactGetItems are authorised as the item actions they contain.
    props.registry.table.grant(
      role,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    );
    this.grantTableKey(props, role);
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [props.dispatcherRole.roleArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ],
        resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:${HMAC_KEY_SECRET_PREFIX}*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'],
        resources: [this.userPool.userPoolArn],
      }),
    );
    // As cdk-nag prints it: literals where the app resolves them, else the pseudo parameters.
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown(partition, 'Partition')}:secretsmanager:${shown(region, 'Region')}:${shown(account, 'AccountId')}:secret:${HMAC_KEY_SECRET_PREFIX}*]`,
      reason:
        "Each workspace's HMAC key secret is created with the workspace, at run time, under this prefix: create, describe and read only, on these secrets only, in this account and region.",
    });
    const deadLetterVariables = this.grantDeadLetters(props, role);
    const deliveryLogVariables = this.grantDeliveryLogs(props, role);
    const origins = allowedOrigins(props);
    return this.createFunction('Api', {
      entry: API_ENTRY,
      role,
      memorySize: 512,
      // API Gateway's integration timeout.
      timeout: Duration.seconds(29),
      logRetention,
      encryptionKey: props.encryptionKey,
      environment: {
        REGISTRY_TABLE: props.registry.table.tableName,
        USER_POOL_ID: this.userPool.userPoolId,
        USER_POOL_CLIENT_ID: this.userPoolClient.userPoolClientId,
        DISPATCHER_ROLE_ARN: props.dispatcherRole.roleArn,
        ...deadLetterVariables,
        ...deliveryLogVariables,
        // The handler echoes Access-Control-Allow-Origin for a request from one of them.
        ...(origins.length > 0 && { ALLOWED_ORIGINS: Fn.join(',', [...origins]) }),
        POWERTOOLS_SERVICE_NAME: 'control-plane',
        POWERTOOLS_METRICS_NAMESPACE: ControlPlane.METRICS_NAMESPACE,
      },
    });
  }

  /**
   * Workspaces' dead letters: read, and delete once redriven or discarded (the store's grant);
   * send redriven ones to the ingest queue, with its key only through SQS. The function's variables
   * that name them.
   */
  private grantDeadLetters(props: ControlPlaneProps, role: iam.Role): Record<string, string> {
    const { deadLetterStore, ingestQueue } = props;
    if (!deadLetterStore) return {};
    deadLetterStore.grantManageLetters(role);
    if (!ingestQueue) return { DEAD_LETTER_TABLE: deadLetterStore.table.tableName };
    const { queue } = ingestQueue;
    // SendMessageBatch is authorised as SendMessage.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    if (queue.encryptionMasterKey)
      grantKeyThrough('sqs', queue.encryptionMasterKey, role, ['kms:Decrypt', 'kms:GenerateDataKey']);
    return { DEAD_LETTER_TABLE: deadLetterStore.table.tableName, INGEST_QUEUE_URL: queue.queueUrl };
  }

  /**
   * Delivery visibility: Logs Insights queries of the dispatcher's log group only (StartQuery picks
   * the log group; reading and stopping a query name its id alone), and the status table's items
   * by key, with its key only through DynamoDB. The function's variables that name them.
   */
  private grantDeliveryLogs(props: ControlPlaneProps, role: iam.Role): Record<string, string> {
    const { dispatcherLogGroup: logGroup, destinationStatusTable: statusTable } = props;
    if (!logGroup) return {};
    const stack = Stack.of(this);
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:StartQuery'],
        // The log group as StartQuery names it, and as its Arn attribute gives it (`…:*`).
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: logGroup.logGroupName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
          logGroup.logGroupArn,
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:GetQueryResults', 'logs:StopQuery'], resources: ['*'] }),
    );
    if (!statusTable) return { DISPATCHER_LOG_GROUP: logGroup.logGroupName };
    // Read for health; UpdateItem for a workspace's people to disable and enable their destinations.
    statusTable.grant(role, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    const key = statusTable.encryptionKey;
    // The registry's key is granted already when the two tables share it.
    if (key && key !== props.registry.table.encryptionKey) grantKeyThrough('dynamodb', key, role);
    return { DISPATCHER_LOG_GROUP: logGroup.logGroupName, DESTINATION_STATUS_TABLE: statusTable.tableName };
  }

  /** The registry's key, only through DynamoDB: the functions cannot use it for anything else. */
  private grantTableKey(props: ControlPlaneProps, role: iam.Role): void {
    const key = props.registry.table.encryptionKey;
    if (key) grantKeyThrough('dynamodb', key, role);
  }

  private functionRole(
    id: string,
    description: string,
    /** Why further actions of this role are granted on `*`. @default X-Ray's only */
    moreWildcardActions?: string,
  ): iam.Role {
    const role = new iam.Role(this, id, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: `X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.${moreWildcardActions ? ` ${moreWildcardActions}` : ''}`,
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          'The policy belongs to this one role and lives and dies with it; a managed policy would add a reusable surface with no benefit.',
      },
    );
    return role;
  }

  private createFunction(
    id: string,
    options: {
      entry: string;
      role: iam.Role;
      memorySize: number;
      timeout: Duration;
      logRetention: logs.RetentionDays;
      encryptionKey: kms.IKey;
      environment: Record<string, string>;
    },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, {
      retention: options.logRetention,
      encryptionKey: options.encryptionKey,
    });
    logGroup.grantWrite(options.role);
    const fn = new nodejs.NodejsFunction(this, `${id}Function`, {
      entry: options.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: options.role,
      timeout: options.timeout,
      memorySize: options.memorySize,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...options.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        // Bundle the SDK clients: pinned versions, and esbuild keeps only what is used.
        bundleAwsSDK: true,
      },
    });
    const noVpc =
      'The control plane calls only public AWS endpoints (DynamoDB, Cognito, Secrets Manager, STS, and as the dispatcher customer resources in their accounts and regions); it reaches no VPC resource.';
    const synchronous =
      'Invoked synchronously by API Gateway only: a failure is the caller’s answer (a JSON 5xx with the request id), there is no event to keep for later.';
    Validations.of(fn).acknowledge(
      { id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC', reason: noVpc },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: noVpc },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'The stage throttle and the per-caller WAF rate limit bound concurrency; reserving concurrency would take it from the dispatcher in accounts with low quotas.',
      },
      { id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ', reason: synchronous },
      { id: 'Serverless::Serverless-LambdaDLQ', reason: synchronous },
    );
    return fn;
  }

  private createApi(props: ControlPlaneProps, settings: ReturnType<ControlPlane['checkedSettings']>) {
    const origins = allowedOrigins(props);
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${Stack.of(this).stackName}-control-plane`,
      description: "Event delivery control plane: customers' tenant-scoped API (/v1/…)",
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Execution logs need the account's API Gateway CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: CONTROL_PLANE_STAGE,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
        tracingEnabled: true,
        // Errors only, and never request or response bodies.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: settings.throttlingRateLimit,
        throttlingBurstLimit: settings.throttlingBurstLimit,
      },
      ...(origins.length > 0 && {
        defaultCorsPreflightOptions: {
          allowOrigins: [...origins],
          allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
          allowHeaders: ['Authorization', 'Content-Type', 'If-Match'],
          exposeHeaders: ['ETag'],
          maxAge: Duration.hours(1),
        },
      }),
    });
    this.acknowledgeApiRules(api);
    return api;
  }

  /** One resource and method per route, all proxied to the API function; each but the public ones authorized. */
  private addRoutes(routes: readonly ApiRoute[]): void {
    // One permission for the whole API: one per method would outgrow the function policy's 20 KB.
    const integration = new apigateway.LambdaIntegration(this.apiFunction, {
      scopePermissionToMethod: false,
    });
    for (const route of routes) {
      const resource = this.api.root.resourceForPath(route.path);
      if (route.access === 'public') {
        const method = resource.addMethod(route.method, integration, {
          authorizationType: apigateway.AuthorizationType.NONE,
        });
        acknowledgeUnauthenticated(method, PUBLIC_ROUTE_REASONS[`${route.method} ${route.path}`]);
      } else {
        resource.addMethod(route.method, integration, {
          authorizationType: apigateway.AuthorizationType.CUSTOM,
          authorizer: this.authorizer,
        });
      }
    }
    for (const child of this.api.root.node.findAll()) {
      if (child instanceof apigateway.Method && child.httpMethod === 'OPTIONS') {
        acknowledgeUnauthenticated(
          child,
          'A CORS preflight: API Gateway answers it itself (a mock integration), with no data; browsers send no credentials on it.',
        );
      }
    }
  }

  private addGatewayResponses(origins: readonly string[]): void {
    // A browser reads an error only with CORS headers; one origin can be named in a gateway
    // response: the first (the console's).
    const cors = origins.length > 0 ? { 'Access-Control-Allow-Origin': `'${origins[0]}'` } : undefined;
    for (const response of GATEWAY_RESPONSES) {
      this.api.addGatewayResponse(response.id, {
        type: response.type,
        statusCode: response.statusCode,
        responseHeaders: cors,
        templates: {
          'application/json': `{"code":${JSON.stringify(response.code)},"message":${response.message},"requestId":"$context.requestId"}`,
        },
      });
    }
  }

  /**
   * Per caller (the `Authorization` header: a person's token or a workspace key) and per IP
   * address, then AWS's managed rules for common exploits and known bad inputs.
   */
  private createWebAcl(settings: ReturnType<ControlPlane['checkedSettings']>): wafv2.CfnWebACL {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      // Samples show whole requests in the console, Authorization header included; the logs redact it.
      sampledRequestsEnabled: false,
    });
    const managed = (name: string, priority: number, overrides: string[] = []) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(overrides.length > 0 && {
            ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
          }),
        },
      },
      visibilityConfig: visibility(name),
    });
    const tooMany = {
      block: { customResponse: { responseCode: 429, customResponseBodyKey: 'TooManyRequests' } },
    };
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Event delivery control plane: per-caller rate limit and AWS managed rules',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('ControlPlaneApi'),
      customResponseBodies: {
        TooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            code: CALLER_RATE_LIMITED_CODE,
            message: 'too many requests from this caller: slow down and retry in a few minutes',
          }),
        },
      },
      rules: [
        {
          name: 'PerCaller',
          priority: 0,
          action: tooMany,
          statement: {
            rateBasedStatement: {
              limit: settings.callerRateLimit,
              evaluationWindowSec: CALLER_RATE_WINDOW_SECONDS,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                {
                  header: {
                    name: 'authorization',
                    // One count per credential however the header spells it: `bearer`, `BEARER`,
                    // extra spaces (the authorizer accepts them all).
                    textTransformations: [
                      { priority: 0, type: 'LOWERCASE' },
                      { priority: 1, type: 'COMPRESS_WHITE_SPACE' },
                      { priority: 2, type: 'TRIM' },
                    ],
                  },
                },
              ],
            },
          },
          visibilityConfig: visibility('PerCaller'),
        },
        {
          name: 'PerIp',
          priority: 1,
          action: tooMany,
          statement: {
            rateBasedStatement: {
              limit: settings.ipRateLimit,
              evaluationWindowSec: CALLER_RATE_WINDOW_SECONDS,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('PerIp'),
        },
        // The body size rule only counts: a data mapping may pass 8 KB, and the API checks sizes itself.
        managed('AWSManagedRulesCommonRuleSet', 2, ['SizeRestrictions_BODY']),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 3),
      ],
    });
  }

  /**
   * What the WAF blocked or counted (a caller over its limit, a managed rule's match), in a log
   * group WAF can write to (its name starts with `aws-waf-logs-`); the `Authorization` header,
   * which holds credentials, redacted. Allowed requests are in the access logs already.
   */
  private logWebAcl(props: ControlPlaneProps, retention: logs.RetentionDays): logs.LogGroup {
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention,
      encryptionKey: props.encryptionKey,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: this.webAcl.attrArn,
      // WAF takes the log group's ARN without the `:*` its Arn attribute ends with.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroup.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Credentials, and paths: a path may hold an event's distinct_id, possibly an email address.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { uriPath: {} }],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
    return logGroup;
  }

  /** The compliance rules the API answers by design, each with its reason. */
  private acknowledgeApiRules(api: apigateway.RestApi): void {
    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-APIG2',
        reason:
          'The API function validates every request against the schemas the OpenAPI document is generated from (one source of truth); gateway models would be a second copy to drift, and errors would lose their field-by-field JSON.',
      },
      {
        id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
        reason: SOURCE_ARN_BY_JOIN,
      },
      {
        id: 'AwsSolutions::AwsSolutions-COG4',
        reason:
          "The Lambda REQUEST authorizer verifies this user pool's access tokens (signature, issuer, client, expiry, token use) and also workspace API keys, which a Cognito authorizer cannot accept; every route but the OpenAPI document passes it.",
      },
    );
    const stage = api.deploymentStage;
    Validations.of(stage).acknowledge(
      {
        id: 'HIPAA.Security::HIPAA.Security-APIGWCacheEnabledAndEncrypted',
        reason:
          "No cache by design: every answer depends on the caller and the workspace's current state, and a cached answer could outlive a revoked key or be served to another caller.",
      },
      {
        id: 'cdk-validator-cfnguard::api_gw_cache_enabled_and_encrypted',
        reason:
          "No cache by design: every answer depends on the caller and the workspace's current state, and a cached answer could outlive a revoked key or be served to another caller.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-APIGWSSLEnabled',
        reason:
          'Client certificates authenticate API Gateway to an HTTP backend; every integration here is a Lambda function, invoked through the Lambda API with IAM.',
      },
    );
    const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      // A managed policy's ARN always carries the partition pseudo parameter.
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-wide role for execution logs: AWS's managed policy is the one the service documents, and lets it write only to CloudWatch Logs.",
      });
    }
  }
}

/** Why the Control Tower rule on Lambda permissions (CT.LAMBDA.PR.2) is answered though it reports them. */
const SOURCE_ARN_BY_JOIN =
  "API Gateway's permission to invoke the function names this API's (or this authorizer's) ARN as SourceArn; the ARN is built with Fn::Join from the API's id, which the guard rule cannot read, so it reports the permission as if it had none.";

/** A method without authorization: the rules that require one, acknowledged with why it needs none. */
function acknowledgeUnauthenticated(method: IConstruct, reason: string): void {
  Validations.of(method).acknowledge({ id: 'AwsSolutions::AwsSolutions-APIG4', reason });
}

/** The allowed origins in their order, each once (tokens compare by their text). */
function allowedOrigins(props: ControlPlaneProps): readonly string[] {
  return [...new Set(props.allowedOrigins ?? [])];
}

/** `https://host[:port]`, or `http://localhost[:port]` for a console in development. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    const local = ['localhost', '127.0.0.1'].includes(url.hostname);
    return (
      (url.protocol === 'https:' || (url.protocol === 'http:' && local)) &&
      url.origin === value &&
      !value.includes('*')
    );
  } catch {
    return false;
  }
}
