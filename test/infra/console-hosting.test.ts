import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type App, type Environment, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ConsoleHosting, type ConsoleHostingProps } from '../../lib/constructs/console-hosting';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { applyCompliancePacks } from '../../lib/nag';
import { PlatformStack, type PlatformStackProps } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const env = { account: '999999999999', region: 'eu-west-1' };
const DEV_CONSOLE = 'http://localhost:5173';
const CERTIFICATE = 'arn:aws:acm:us-east-1:999999999999:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = {
  Effect: string;
  Principal?: unknown;
  Action: unknown;
  Condition?: unknown;
  Resource: unknown;
};

/** The operator's certificate, imported in a stack of its own (a template with no resources). */
function importedCertificate(app: App, arn = CERTIFICATE): acm.ICertificate {
  const stack = new Stack(app, 'Certificates', { env });
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::F0001',
    reason: 'It only imports the certificate by its ARN.',
  });
  return acm.Certificate.fromCertificateArn(stack, 'Certificate', arn);
}

/** No Lambda bundling (esbuild): these tests read templates, not the functions' code. */
const templateOnlyApp = () => testApp({ 'aws:cdk:bundling-stacks': [] });

function synth(props: Partial<PlatformStackProps> = {}): Template {
  return Template.fromStack(new PlatformStack(templateOnlyApp(), 'Platform', { env, ...props }));
}

/** The one resource of a type whose logical id starts with `prefix`. */
function one(template: Template, type: string, prefix: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0] as [string, Resource];
}

const joined = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe('the console in the platform stack', () => {
  const template = synth({ controlPlane: { allowedOrigins: [DEV_CONSOLE] } });
  const [bucketId, bucket] = one(template, 'AWS::S3::Bucket', 'ConsoleBucket');
  const [logsId, logBucket] = one(template, 'AWS::S3::Bucket', 'ConsoleLogs');
  const [distributionId, distribution] = one(template, 'AWS::CloudFront::Distribution', 'Console');
  const [oacId] = one(template, 'AWS::CloudFront::OriginAccessControl', 'Console');
  const [headersId] = one(template, 'AWS::CloudFront::ResponseHeadersPolicy', 'Console');
  const [assetsId, assets] = one(template, 'Custom::CDKBucketDeployment', 'ConsoleAssetsDeployment');
  const [, entry] = one(template, 'Custom::CDKBucketDeployment', 'ConsoleEntryDeployment');
  const [apiId] = one(template, 'AWS::ApiGateway::RestApi', 'ControlPlane');
  const [stageId] = one(template, 'AWS::ApiGateway::Stage', 'ControlPlane');
  const [poolId] = one(template, 'AWS::Cognito::UserPool', 'ControlPlane');
  const [clientId] = one(template, 'AWS::Cognito::UserPoolClient', 'ControlPlane');
  const consoleOrigin = joined('https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] });
  const config = distribution.Properties.DistributionConfig as Record<string, unknown>;

  it('keeps the files in a private, TLS-only bucket with ACLs off, versioned and logged', () => {
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 's3/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('lets only CloudFront read the files, for this distribution alone (origin access control)', () => {
    const [, policy] = one(template, 'AWS::S3::BucketPolicy', 'ConsoleBucketPolicy');
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: joined({ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*'),
        Condition: {
          StringEquals: {
            'AWS:SourceArn': joined(
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudfront::',
              { Ref: 'AWS::AccountId' },
              ':distribution/',
              { Ref: distributionId },
            ),
          },
        },
      },
    ]);
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
  });

  it('serves HTTPS only (HTTP redirected), over HTTP/2 and 3, from price class 100, with the security headers', () => {
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
      DefaultCacheBehavior: expect.objectContaining({
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        ResponseHeadersPolicyId: { Ref: headersId },
      }),
    });
  });

  it('sends a strict CSP (no framing, the API by region-wide wildcard), HSTS with preload, DENY, nosniff, no referrer', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: {
            ContentSecurityPolicy: [
              "default-src 'self'",
              "script-src 'self'",
              "style-src 'self' 'unsafe-inline'",
              "img-src 'self' data:",
              "font-src 'self' data:",
              "object-src 'none'",
              "base-uri 'none'",
              "form-action 'self'",
              "frame-ancestors 'none'",
              "connect-src 'self' https://*.execute-api.eu-west-1.amazonaws.com https://cognito-idp.eu-west-1.amazonaws.com",
            ].join('; '),
            Override: true,
          },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63_072_000,
            IncludeSubdomains: true,
            Preload: true,
            Override: true,
          },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        },
      }),
    });
  });

  it('serves index.html, uncached, for any path S3 does not have (the app routes in the browser)', () => {
    expect(config.CustomErrorResponses).toEqual(
      [403, 404].map((ErrorCode) => ({
        ErrorCode,
        ResponseCode: 200,
        ResponsePagePath: '/index.html',
        ErrorCachingMinTTL: 0,
      })),
    );
  });

  it('logs requests to the log bucket, which takes CloudFront’s ACL-written logs but nothing public', () => {
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] },
      Prefix: 'cloudfront/',
    });
    expect(logBucket.Properties).toMatchObject({
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('copies the hashed assets/ immutable for a year, keeping earlier builds’ for pages still open, and nothing else', () => {
    expect(assets.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      Prune: false,
      Exclude: ['*'],
      Include: ['assets/*'],
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
  });

  it('then writes everything else (index.html, config.json), revalidated on every load, and invalidates both', () => {
    expect(entry.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      Prune: true,
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/index.html', '/config.json'],
    });
    expect(entry.Properties.Include).toBeUndefined();
    expect(entry.DependsOn).toEqual(expect.arrayContaining([assetsId]));
  });

  it('writes config.json from the stack: the API’s URL, the user pool and its client', () => {
    const [, markers] = entry.Properties.SourceMarkers as Record<string, unknown>[];
    const referenced = Object.values(markers).map((value) => (value as { Ref: string }).Ref);

    expect(referenced).toEqual(expect.arrayContaining([apiId, stageId, poolId, clientId]));
    expect(entry.Properties.SourceMarkersConfig).toEqual([{}, { jsonEscape: true }]);
  });

  it('outputs the console’s URL', () => {
    template.hasOutput('ConsoleUrl', { Value: consoleOrigin });
  });

  it('tells the API function the allowed origins, the console’s first', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ ALLOWED_ORIGINS: { 'Fn::Join': [',', [consoleOrigin, DEV_CONSOLE]] } }),
      },
    });
  });

  it('lets the console read the gateway’s errors (a 401 from the authorizer, the WAF’s 403)', () => {
    for (const type of ['UNAUTHORIZED', 'WAF_FILTERED', 'ACCESS_DENIED']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': joined(
            "'https://",
            { 'Fn::GetAtt': [distributionId, 'DomainName'] },
            "'",
          ),
        },
      });
    }
  });

  it('keeps the distribution free of the API (whose CORS names the distribution: no cycle)', () => {
    const refersTo = (value: unknown) => JSON.stringify(value).includes('ControlPlane');

    expect(refersTo(distribution)).toBe(false);
    expect(refersTo(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))).toBe(false);
  });
});

describe('the platform stack without the console', () => {
  const template = synth({ console: false, controlPlane: { allowedOrigins: [DEV_CONSOLE] } });

  it('has no distribution, no console URL, and allows only the origins given', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    expect(template.findOutputs('ConsoleUrl')).toEqual({});
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_ORIGINS: DEV_CONSOLE }) },
    });
  });
});

describe('the console under a domain name of the operator’s', () => {
  const app = templateOnlyApp();
  const stack = new PlatformStack(app, 'Platform', {
    env,
    console: {
      domainName: 'console.example.com',
      certificate: importedCertificate(app),
    },
  });
  const template = Template.fromStack(stack);
  const [distributionId] = one(template, 'AWS::CloudFront::Distribution', 'Console');

  it('serves it there with the certificate (TLS 1.2 2021, SNI), and allows both origins, its own first', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['console.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: CERTIFICATE,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    template.hasOutput('ConsoleUrl', { Value: 'https://console.example.com' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALLOWED_ORIGINS: {
            'Fn::Join': [
              ',',
              [
                'https://console.example.com',
                joined('https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }),
              ],
            ],
          },
        }),
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      ResponseParameters: {
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://console.example.com'",
      },
    });
  });
});

describe('ConsoleHosting validation', () => {
  const hosting = (props: Partial<ConsoleHostingProps>) => {
    const stack = new Stack(testApp(), 'Bare', { env });
    return new ConsoleHosting(stack, 'Console', {
      encryptionKey: new kms.Key(stack, 'Key'),
      config: { apiUrl: 'https://api.example.com/prod/', userPoolId: 'pool', userPoolClientId: 'client' },
      ...props,
    });
  };

  it('fails synth when the console is not built, naming the command that builds it', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'console-dist-'));

    expect(() => hosting({ distDirectory: empty })).toThrow(
      `ConsoleHosting Bare/Console: the console is not built: ${empty} has no index.html. Run \`npm run build -w console\` (\`npm run build\` runs it) before synth`,
    );
  });

  it('rejects a domain name without a certificate, and a certificate outside us-east-1, naming each', () => {
    const elsewhere = importedCertificate(testApp(), CERTIFICATE.replace('us-east-1', 'eu-west-1'));

    expect(() => hosting({ domainName: 'console.example.com' })).toThrow(
      'domainName and certificate go together: give both or neither',
    );
    expect(() => hosting({ domainName: 'console.example.com', certificate: elsewhere })).toThrow(
      /certificate must be in us-east-1 \(CloudFront takes none from elsewhere\), got arn:aws:acm:eu-west-1:/,
    );
  });
});

describe('compliance packs with the console', () => {
  // The console alone, in stacks of its own: platform-stack.test.ts checks the whole platform.
  const consoleStack = (
    app: App,
    id: string,
    props: Partial<ConsoleHostingProps> = {},
    stackEnv: Environment | undefined = env,
  ) => {
    const stack = new Stack(app, id, { env: stackEnv });
    new ConsoleHosting(stack, 'Console', {
      encryptionKey: new EncryptionKey(stack, 'Key', { description: 'test' }),
      config: { apiUrl: 'https://api.example.com/prod/', userPoolId: 'pool', userPoolClientId: 'client' },
      ...props,
    });
  };

  it('find nothing unacknowledged, nor print any finding (cdk-nag AwsSolutions, HIPAA.Security, Serverless; Control Tower)', () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = testApp();
      consoleStack(app, 'DefaultCertificate');
      consoleStack(app, 'CustomDomain', {
        domainName: 'console.example.com',
        certificate: importedCertificate(app),
      });
      // Region-agnostic: the acknowledged wildcards then name the pseudo parameters.
      consoleStack(app, 'Agnostic', {}, undefined);
      applyCompliancePacks(app);

      expect(() => app.synth()).not.toThrow();
      // Control Tower's low-severity findings are printed, not thrown: none may be left either.
      expect(printed.mock.calls.flat().join('\n')).not.toMatch(/ERROR|WARNING/);
    } finally {
      printed.mockRestore();
    }
  });
});
