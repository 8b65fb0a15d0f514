import { Match, Template } from 'aws-cdk-lib/assertions';
import { OPERATORS_GROUP } from '../../lambda/control-plane/access/roles';
import { OPENAPI_PATH, ROUTES } from '../../lambda/control-plane/routes/index';
import { CALLER_RATE_LIMIT, CALLER_RATE_WINDOW_SECONDS } from '../../lib/constructs/control-plane';
import { applyCompliancePacks } from '../../lib/nag';
import { PlatformStack, type PlatformStackProps } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const env = { account: '999999999999', region: 'us-east-1' };
const CONSOLE = 'https://console.example.com';
/** The only routes without authorization: the OpenAPI document, and where to sign in (public values). */
const PUBLIC_ROUTES = [`GET ${OPENAPI_PATH}`, 'GET /v1/sign-in'].sort();

/** The control plane as configured, without the console (whose origin it would allow: see console-hosting.test.ts). */
function synth(props: Partial<PlatformStackProps> = {}): Template {
  return Template.fromStack(new PlatformStack(testApp(), 'Platform', { env, console: false, ...props }));
}

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** The one resource of those found: its logical id and its definition. */
const only = (resources: Record<string, object>): [string, Resource] => {
  const entries = Object.entries(resources);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, Resource];
};

/** Each method as `GET /v1/…`, its path rebuilt from its resource's parents. */
function methodsByRoute(template: Template): Map<string, Resource['Properties']> {
  const [apiId] = only(template.findResources('AWS::ApiGateway::RestApi'));
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (reference: unknown): string => {
    const ref = (reference as { Ref?: string }).Ref;
    if (ref !== undefined) {
      const { ParentId, PathPart } = resources[ref].Properties as { ParentId: unknown; PathPart: string };
      return `${pathOf(ParentId)}/${PathPart}`;
    }
    // The API's root resource.
    expect(reference).toEqual({ 'Fn::GetAtt': [apiId, 'RootResourceId'] });
    return '';
  };
  const methods = new Map<string, Resource['Properties']>();
  for (const { Properties } of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
    methods.set(`${Properties.HttpMethod} ${pathOf(Properties.ResourceId)}`, Properties);
  }
  return methods;
}

/** The statements of the policy attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const [, policy] = only(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
    }),
  );
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('ControlPlane API: every route behind the authorizer but the public ones', () => {
  const template = synth();
  const methods = methodsByRoute(template);
  const [authorizerId, authorizer] = only(template.findResources('AWS::ApiGateway::Authorizer'));

  it('has one method per route of the route table, and no other (no CORS preflight by default)', () => {
    expect([...methods.keys()].sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(methods.size).toBe(ROUTES.length);
  });

  it('authorizes every method but the public ones (the OpenAPI document, where to sign in) with the Lambda REQUEST authorizer', () => {
    const publicRoutes = ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes.sort()).toEqual(PUBLIC_ROUTES);
    for (const [route, method] of methods) {
      if (publicRoutes.includes(route)) {
        expect(method).toMatchObject({ AuthorizationType: 'NONE' });
        expect(method.AuthorizerId).toBeUndefined();
      } else {
        expect({ route, ...method }).toMatchObject({
          route,
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizerId },
        });
      }
    }
  });

  it('checks every request afresh: no authorizer cache, the Authorization header as identity source', () => {
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: 'method.request.header.Authorization',
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toMatch(/ControlPlaneAuthorizerFunction/);
  });

  it('proxies every method to the one API function', () => {
    for (const method of methods.values()) {
      expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Integration)).toMatch(/ControlPlaneApiFunction/);
    }
  });

  it('lets API Gateway invoke the API function from this API only, with one permission', () => {
    const [, permission] = only(
      template.findResources('AWS::Lambda::Permission', {
        Properties: {
          FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ControlPlaneApiFunction'), 'Arn'] },
        },
      }),
    );
    expect(permission.Properties).toMatchObject({ Principal: 'apigateway.amazonaws.com' });
    expect(JSON.stringify(permission.Properties.SourceArn)).toMatch(
      /ControlPlaneApi[0-9A-F]{8}"\},"\/\*\/\*\/\*"/,
    );
  });

  it('answers its own errors as JSON with a code, a message and the request id', () => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    const byType = new Map(responses.map(({ Properties }) => [Properties.ResponseType, Properties]));
    expect([...byType.keys()].sort()).toEqual(
      [
        'ACCESS_DENIED',
        'DEFAULT_4XX',
        'DEFAULT_5XX',
        'MISSING_AUTHENTICATION_TOKEN',
        'THROTTLED',
        'UNAUTHORIZED',
        'WAF_FILTERED',
      ].sort(),
    );
    expect(byType.get('UNAUTHORIZED')).toMatchObject({ StatusCode: '401' });
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')).toMatchObject({ StatusCode: '404' });
    expect(byType.get('THROTTLED')).toMatchObject({ StatusCode: '429' });
    for (const [type, { ResponseTemplates }] of byType) {
      const body = (ResponseTemplates as Record<string, string>)['application/json'];
      // As API Gateway fills it in: the variables become strings.
      const filled = JSON.parse(
        body.replace('$context.error.messageString', '"a message"').replace('$context.requestId', 'req-1'),
      );
      expect({ type, ...filled }).toEqual({
        type,
        code: expect.stringMatching(/^[A-Z][A-Za-z]+$/),
        message: expect.any(String),
        requestId: 'req-1',
      });
    }
    const unauthorized = byType.get('UNAUTHORIZED')?.ResponseTemplates as Record<string, string>;
    expect(JSON.parse(unauthorized['application/json'].replace('$context.requestId', 'r')).code).toBe(
      'Unauthorized',
    );
  });

  it('deploys stage prod with JSON access logs (no headers) to an encrypted log group, tracing, execution errors and throttling', () => {
    const [, stage] = only(template.findResources('AWS::ApiGateway::Stage'));
    expect(stage.Properties).toMatchObject({
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: true,
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        },
      ],
    });
    const { DestinationArn, Format } = stage.Properties.AccessLogSetting as {
      DestinationArn: unknown;
      Format: string;
    };
    const fields = JSON.parse(Format) as Record<string, string>;
    expect(fields).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(Object.values(fields).filter((v) => /header|authorization/i.test(v))).toEqual([]);
    const [logGroupId] = (DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId].Properties).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    });
  });

  it('outputs the API URL, the user pool id and the app client id', () => {
    template.hasOutput('ControlPlaneApiUrl', {
      Value: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^ControlPlaneApi') }])],
      }),
    });
    template.hasOutput('UserPoolId', { Value: { Ref: Match.stringLikeRegexp('^ControlPlaneUserPool') } });
    template.hasOutput('UserPoolClientId', {
      Value: { Ref: Match.stringLikeRegexp('^ControlPlaneUserPoolClient') },
    });
  });
});

describe('ControlPlane user pool', () => {
  const template = synth();

  it('signs people in by email, invited only (no self sign-up), with a strong password policy', () => {
    const [, pool] = only(template.findResources('AWS::Cognito::UserPool'));
    expect(pool.Properties).toMatchObject({
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  it('requires MFA with an authenticator app (TOTP) only, no SMS', () => {
    const [, pool] = only(template.findResources('AWS::Cognito::UserPool'));
    expect(pool.Properties).toMatchObject({ MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    expect(pool.Properties.SmsConfiguration).toBeUndefined();
  });

  it('is kept when the stack goes, and protected from deletion', () => {
    const [, pool] = only(template.findResources('AWS::Cognito::UserPool'));
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(pool.Properties.DeletionProtection).toBe('ACTIVE');
  });

  it('has an app client without a secret, signing in with the pool’s own API only (password, then refresh)', () => {
    const [, client] = only(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
    expect((client.Properties.ExplicitAuthFlows as string[]).sort()).toEqual(
      ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH'].sort(),
    );
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
  });

  it('has the operators group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: OPERATORS_GROUP,
      UserPoolId: { Ref: Match.stringLikeRegexp('^ControlPlaneUserPool') },
    });
    expect(OPERATORS_GROUP).toBe('operators');
  });
});

describe('ControlPlane WAF', () => {
  const template = synth();
  const [webAclId, webAcl] = only(template.findResources('AWS::WAFv2::WebACL'));
  const rules = webAcl.Properties.Rules as {
    Name: string;
    Priority: number;
    Statement: Record<string, Record<string, unknown>>;
    Action?: unknown;
  }[];

  it('limits each caller, keyed on the Authorization header however it is spelled, and answers 429 beyond', () => {
    expect(webAcl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const perCaller = rules.find((r) => r.Name === 'PerCaller');
    expect(perCaller).toMatchObject({
      Priority: 0,
      Statement: {
        RateBasedStatement: {
          Limit: CALLER_RATE_LIMIT,
          EvaluationWindowSec: CALLER_RATE_WINDOW_SECONDS,
          AggregateKeyType: 'CUSTOM_KEYS',
          CustomKeys: [
            {
              Header: {
                Name: 'authorization',
                TextTransformations: [
                  { Priority: 0, Type: 'LOWERCASE' },
                  { Priority: 1, Type: 'COMPRESS_WHITE_SPACE' },
                  { Priority: 2, Type: 'TRIM' },
                ],
              },
            },
          ],
        },
      },
      Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
    });
    expect(CALLER_RATE_LIMIT).toBe(600);
    expect(CALLER_RATE_WINDOW_SECONDS).toBe(300);
  });

  it("adds AWS's managed rules for common exploits and known bad inputs, and a per-IP backstop", () => {
    const managed = rules.flatMap((r) => {
      const statement = r.Statement.ManagedRuleGroupStatement as
        | { VendorName: string; Name: string }
        | undefined;
      return statement ? [`${statement.VendorName}/${statement.Name}`] : [];
    });
    expect(managed).toEqual(['AWS/AWSManagedRulesCommonRuleSet', 'AWS/AWSManagedRulesKnownBadInputsRuleSet']);
    expect(rules.find((r) => r.Name === 'PerIp')?.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: 3000,
    });
  });

  it('protects the API’s stage', () => {
    const [apiId] = only(template.findResources('AWS::ApiGateway::RestApi'));
    const [stageId] = only(template.findResources('AWS::ApiGateway::Stage'));
    const [, association] = only(template.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
    const resourceArn = JSON.stringify(association.Properties.ResourceArn);
    expect(resourceArn).toContain(`{"Ref":"${apiId}"}`);
    expect(resourceArn).toContain(`/stages/",{"Ref":"${stageId}"}`);
  });

  it('logs what it blocks or counts, with the Authorization header redacted', () => {
    const [, logging] = only(template.findResources('AWS::WAFv2::LoggingConfiguration'));
    expect(logging.Properties).toMatchObject({
      ResourceArn: { 'Fn::GetAtt': [webAclId, 'Arn'] },
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { UriPath: {} }],
      LoggingFilter: { DefaultBehavior: 'DROP' },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: Match.anyValue(),
    });
  });
});

describe('ControlPlane functions and least privilege', () => {
  const template = synth();
  const api = statementsOf(template, 'ControlPlaneApiRole');
  const authorizer = statementsOf(template, 'ControlPlaneAuthorizerRole');
  const registryArn = { 'Fn::GetAtt': [expect.stringMatching(/^RegistryTable/), 'Arn'] };
  const [deadLettersId] = only(
    template.findResources('AWS::DynamoDB::Table', {
      Properties: { TimeToLiveSpecification: { AttributeName: 'expires_at' } },
    }),
  );
  const deadLettersArn = { 'Fn::GetAtt': [deadLettersId, 'Arn'] };

  it('runs both functions on Node.js 24, arm64, traced, with JSON logs and their settings', () => {
    for (const [service, memory, timeout] of [
      ['control-plane', 512, 29],
      ['control-plane-authorizer', 256, 10],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: memory,
        Timeout: timeout,
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            REGISTRY_TABLE: { Ref: Match.stringLikeRegexp('^RegistryTable') },
            USER_POOL_ID: { Ref: Match.stringLikeRegexp('^ControlPlaneUserPool') },
            USER_POOL_CLIENT_ID: { Ref: Match.stringLikeRegexp('^ControlPlaneUserPoolClient') },
          }),
        },
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'control-plane',
          POWERTOOLS_METRICS_NAMESPACE: 'EventDelivery',
          DISPATCHER_ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DispatcherRole'), 'Arn'] },
        }),
      },
    });
  });

  it('lets the authorizer get and update registry items of workspaces only (dynamodb:LeadingKeys), nothing else of DynamoDB', () => {
    const dynamodb = authorizer.filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: registryArn,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['workspace#*'] } },
      },
    ]);
    expect(actionsOf(authorizer).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('lets both functions use the tables’ key only through DynamoDB, and the API function the ingest queue’s only through SQS', () => {
    for (const statements of [api, authorizer]) {
      const kms = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')));
      expect(kms).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
        }),
        ...(statements === api
          ? [
              expect.objectContaining({
                Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
                Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
              }),
            ]
          : []),
      ]);
      expect(JSON.stringify(kms[0].Condition)).toContain('dynamodb.us-east-1.');
      if (statements === api) expect(JSON.stringify(kms[1].Condition)).toContain('sqs.us-east-1.');
    }
  });

  it('lets the API function read and write registry items, with no table-wide or stream actions', () => {
    const dynamodb = api.filter(
      (s) =>
        actionsOf([s]).some((a) => a.startsWith('dynamodb:')) &&
        JSON.stringify(s.Resource) !== JSON.stringify(deadLettersArn) &&
        !JSON.stringify(s.Resource).includes('DispatcherStatusTable'),
    );
    expect(dynamodb).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ],
        Resource: registryArn,
      },
    ]);
  });

  it('lets the API function read, batch-read and delete dead letters (no put, no scan), and send only to the ingest queue', () => {
    const onDeadLetters = api.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(deadLettersArn));
    expect(onDeadLetters).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        Resource: deadLettersArn,
      },
    ]);
    expect(api.filter((s) => actionsOf([s]).some((a) => a.startsWith('sqs:')))).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^IngestQueue/), 'Arn'] },
      },
    ]);
    expect(actionsOf(authorizer).filter((a) => a.startsWith('sqs:'))).toEqual([]);
    expect(JSON.stringify(authorizer)).not.toMatch(/DeadLettersTable/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'control-plane',
          DEAD_LETTER_TABLE: { Ref: Match.stringLikeRegexp('^DeadLettersTable') },
          INGEST_QUEUE_URL: { Ref: Match.stringLikeRegexp('^IngestQueue') },
        }),
      },
    });
  });

  it('lets the API function assume the dispatcher role only, and the dispatcher role trusts the API function’s role', () => {
    expect(api.filter((s) => actionsOf([s]).includes('sts:AssumeRole'))).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DispatcherRole/), 'Arn'] },
      },
    ]);
    const [, dispatcherRole] = only(
      template.findResources('AWS::IAM::Role', {
        Properties: { Description: Match.stringLikeRegexp('^Event dispatcher') },
      }),
    );
    const trust = (
      dispatcherRole.Properties.AssumeRolePolicyDocument as { Statement: { Principal: unknown }[] }
    ).Statement;
    const principals = trust.map((s) => JSON.stringify(s.Principal)).join(' ');
    expect(principals).toMatch(/"Fn::GetAtt":\["ControlPlaneApiRole[0-9A-F]{8}","Arn"\]/);
    expect(principals).toContain('"Service":"lambda.amazonaws.com"');
    // The authorizer may not act as the dispatcher.
    expect(principals).not.toMatch(/ControlPlaneAuthorizerRole/);
    expect(actionsOf(authorizer)).not.toContain('sts:AssumeRole');
  });

  it('lets the API function create and read workspaces’ HMAC key secrets only, and invite people to the pool', () => {
    const secrets = api.filter((s) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:CreateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
        ],
        Resource: 'arn:aws:secretsmanager:us-east-1:999999999999:secret:event-delivery/workspaces/*',
      },
    ]);
    const cognito = api.filter((s) => actionsOf([s]).some((a) => a.startsWith('cognito-idp:')));
    expect(cognito).toEqual([
      {
        Effect: 'Allow',
        Action: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ControlPlaneUserPool/), 'Arn'] },
      },
    ]);
  });

  it('lets the API function start Logs Insights queries on the dispatcher’s log group only, and read status items by key', () => {
    const startQuery = api.filter((s) => actionsOf([s]).includes('logs:StartQuery'));
    expect(startQuery).toEqual([{ Effect: 'Allow', Action: 'logs:StartQuery', Resource: expect.any(Array) }]);
    // The log group as StartQuery names it, and as its Arn attribute gives it (`…:*`): no other.
    expect(JSON.stringify(startQuery[0].Resource)).toMatch(
      /^\[\{"Fn::GetAtt":\["DispatcherLogGroup\w+","Arn"\]\},\{"Fn::Join":\["",\["arn:aws:logs:us-east-1:999999999999:log-group:",\{"Ref":"DispatcherLogGroup\w+"\}\]\]\}\]$/,
    );
    // Reading and stopping a query name its id, not a log group: no resource-level permissions.
    for (const s of api.filter((s) =>
      actionsOf([s]).some((a) => a === 'logs:GetQueryResults' || a === 'logs:StopQuery'),
    ))
      expect(s.Resource).toBe('*');
    expect(
      actionsOf(api)
        .filter((a) => a.startsWith('logs:'))
        .sort(),
    ).toEqual([
      'logs:CreateLogStream',
      'logs:GetQueryResults',
      'logs:PutLogEvents',
      'logs:StartQuery',
      'logs:StopQuery',
    ]);
    expect(api.filter((s) => JSON.stringify(s.Resource).includes('DispatcherStatusTable'))).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DispatcherStatusTable/), 'Arn'] },
      },
    ]);
    expect(actionsOf(authorizer).filter((a) => a.includes('Query'))).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'control-plane',
          DISPATCHER_LOG_GROUP: { Ref: Match.stringLikeRegexp('^DispatcherLogGroup') },
          DESTINATION_STATUS_TABLE: { Ref: Match.stringLikeRegexp('^DispatcherStatusTable') },
        }),
      },
    });
    // Customers' queries filter on the workspace: the dispatcher's log group indexes it.
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      FieldIndexPolicies: [{ Fields: ['workspaceId'] }],
    });
  });

  it('grants no action wildcard, and no resource wildcard but X-Ray’s and Logs Insights’ query results', () => {
    for (const statements of [api, authorizer]) {
      for (const s of statements) expect(actionsOf([s]).some((a) => a.includes('*'))).toBe(false);
    }
    expect(actionsOf(api.filter((s) => s.Resource === '*')).sort()).toEqual([
      'logs:GetQueryResults',
      'logs:StopQuery',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    expect(actionsOf(authorizer.filter((s) => s.Resource === '*')).sort()).toEqual([
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});

describe('ControlPlane with a browser origin (CORS)', () => {
  const template = synth({ controlPlane: { allowedOrigins: [CONSOLE] } });
  const methods = methodsByRoute(template);

  it('answers preflights without authorization, and nothing else goes unauthorized but the public routes', () => {
    const options = [...methods].filter(([route]) => route.startsWith('OPTIONS '));
    expect(options.length).toBeGreaterThan(0);
    for (const [, method] of options) expect(method).toMatchObject({ AuthorizationType: 'NONE' });
    const others = [...methods].filter(([route]) => !route.startsWith('OPTIONS '));
    expect(others).toHaveLength(ROUTES.length);
    expect(
      others
        .filter(([, m]) => m.AuthorizationType !== 'CUSTOM')
        .map(([route]) => route)
        .sort(),
    ).toEqual(PUBLIC_ROUTES);
  });

  it('lets a browser on that origin read the gateway’s errors', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': `'${CONSOLE}'` },
    });
  });

  it('passes the compliance packs with its acknowledgements', () => {
    const app = testApp();
    new PlatformStack(app, 'PlatformWithConsole', { env, controlPlane: { allowedOrigins: [CONSOLE] } });
    applyCompliancePacks(app);

    expect(() => app.synth()).not.toThrow();
  });
});

describe('ControlPlane validation', () => {
  it('rejects bad settings, naming each', () => {
    expect(() =>
      synth({
        controlPlane: {
          callerRateLimit: 5,
          ipRateLimit: 1.5,
          throttlingBurstLimit: 0,
          allowedOrigins: ['https://console.example.com/app', 'http://example.com', '*'],
        },
      }),
    ).toThrow(
      new RegExp(
        [
          'callerRateLimit must be an integer from 10 to 2000000000, got 5',
          'ipRateLimit must be an integer from 10 to 2000000000, got 1.5',
          'throttlingBurstLimit must be a positive integer, got 0',
          'allowedOrigins: "https://console.example.com/app" is not an origin',
          'allowedOrigins: "http://example.com" is not an origin',
          'allowedOrigins: "\\*" is not an origin',
        ].join('.*'),
      ),
    );
  });

  it('takes a per-caller limit of its own', () => {
    const template = synth({ controlPlane: { callerRateLimit: 1200 } });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'PerCaller',
          Statement: { RateBasedStatement: Match.objectLike({ Limit: 1200 }) },
        }),
      ]),
    });
  });
});
