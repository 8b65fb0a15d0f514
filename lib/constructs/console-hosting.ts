import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DefaultStackSynthesizer, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy, HSTS_MAX_AGE_SECONDS } from './console-security-headers';

/** What the console reads from `/config.json` at start (`console/src/config.ts`). */
export interface ConsoleConfig {
  /** The control-plane API's URL (`ControlPlane.api.url`): routes are `${apiUrl}/v1/…`. */
  readonly apiUrl: string;
  /** The user pool people sign in to. */
  readonly userPoolId: string;
  /** The app client the console signs in with (no secret). */
  readonly userPoolClientId: string;
  /**
   * The user pool's region.
   * @default the stack's region
   */
  readonly region?: string;
}

export interface ConsoleHostingProps {
  /** Where the console finds its API and user pool: written to `/config.json` at deploy. */
  readonly config: ConsoleConfig;
  /** Customer-managed key for the deployment function's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * The built console: a directory with `index.html` and hashed `assets/`.
   * @default console/dist at the repository's root (`npm run build -w console`)
   */
  readonly distDirectory?: string;
  /**
   * Where CloudFront serves from: its edge locations' price class.
   * @default cloudfront.PriceClass.PRICE_CLASS_100 (North America and Europe)
   */
  readonly priceClass?: cloudfront.PriceClass;
  /**
   * A domain name of yours for the console (`console.example.com`); give `certificate` with it.
   * @default none: the distribution's own `*.cloudfront.net` name
   */
  readonly domainName?: string;
  /**
   * An ACM certificate for `domainName`, in us-east-1 (CloudFront takes certificates from there only).
   * @default none: CloudFront's default `*.cloudfront.net` certificate
   */
  readonly certificate?: acm.ICertificate;
  /**
   * How long the deployment function's logs and the access logs are kept.
   * @default logs.RetentionDays.ONE_YEAR (access logs: 365 days)
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The repository's built console, as `npm run build -w console` writes it. */
export const CONSOLE_DIST = path.join(__dirname, '..', '..', 'console', 'dist');

/** Vite's `build.assetsDir`: every file in it has its content's hash in its name. */
const HASHED_ASSETS = 'assets/*';

/** What the browser loads first, fresh each time: invalidated at each deploy. */
const ENTRY_PATHS = ['/index.html', '/config.json'];

/**
 * The web console: the built single-page app in a private S3 bucket, served by CloudFront through
 * origin access control, HTTPS only, with security headers (a strict CSP, HSTS, no framing) and a
 * single-page-app fallback (any unknown path serves `index.html`). `config.json` is written at
 * deploy from the stack's values; `index.html` and it are revalidated on every load, the hashed
 * `assets/` cached for a year. S3 and CloudFront access logs go to a log bucket of its own.
 */
export class ConsoleHosting extends Construct {
  /** Defaults, for the docs and the tests. */
  static readonly DEFAULTS = {
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    logRetention: logs.RetentionDays.ONE_YEAR,
  } as const;

  /** The console's files: private, read by CloudFront only. */
  public readonly bucket: s3.Bucket;
  /** The site bucket's server access logs and the distribution's standard logs. */
  public readonly logBucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  /** Copies the hashed `assets/` (immutable), pruning the previous build's. */
  public readonly assetsDeployment: s3deploy.BucketDeployment;
  /** Copies `index.html` (and any other unhashed file) and writes `config.json`, no-cache, then invalidates both. */
  public readonly entryDeployment: s3deploy.BucketDeployment;
  /** Where people open the console: `https://` and `domainName`, or the distribution's domain name. */
  public readonly url: string;
  /**
   * Every origin the console is served from, `url`'s first: the control plane must allow them
   * (CORS). The distribution's own name stays reachable when `domainName` is given.
   */
  public readonly origins: readonly string[];

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const distDirectory = this.checkedDistDirectory(props);
    const logRetention = props.logRetention ?? ConsoleHosting.DEFAULTS.logRetention;
    this.logBucket = this.createLogBucket(logRetention);
    this.bucket = this.createBucket();
    this.responseHeadersPolicy = this.createResponseHeadersPolicy();
    this.distribution = this.createDistribution(props);
    const distributionOrigin = `https://${this.distribution.distributionDomainName}`;
    this.origins = props.domainName
      ? [`https://${props.domainName}`, distributionOrigin]
      : [distributionOrigin];
    this.url = this.origins[0];
    const { role: deploymentRole, logGroup: deploymentLogs } = this.createDeploymentRole(props, logRetention);
    const source = s3deploy.Source.asset(distDirectory);
    // The filters hold for pruning too: each deployment copies and deletes only its own files.
    this.assetsDeployment = new s3deploy.BucketDeployment(this, 'AssetsDeployment', {
      sources: [source],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: [HASHED_ASSETS],
      // A name never changes content.
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(Duration.days(365)),
        s3deploy.CacheControl.immutable(),
      ],
      // Earlier builds' assets stay: a page opened before this deploy still loads its pages'
      // chunks by their hashed names (none collides), and a build adds only a few MB.
      prune: false,
      role: deploymentRole,
      logGroup: deploymentLogs,
      outputObjectKeys: false,
    });
    const { config } = props;
    this.entryDeployment = new s3deploy.BucketDeployment(this, 'EntryDeployment', {
      sources: [
        source,
        s3deploy.Source.jsonData('config.json', {
          apiUrl: config.apiUrl,
          region: config.region ?? Stack.of(this).region,
          userPoolId: config.userPoolId,
          userPoolClientId: config.userPoolClientId,
        }),
      ],
      destinationBucket: this.bucket,
      // index.html, config.json and any other file not hashed: revalidated on every load.
      exclude: [HASHED_ASSETS],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: true,
      distribution: this.distribution,
      distributionPaths: ENTRY_PATHS,
      role: deploymentRole,
      logGroup: deploymentLogs,
      outputObjectKeys: false,
    });
    // The new index.html names the new assets: they must be there first.
    this.entryDeployment.node.addDependency(this.assetsDeployment);
    this.acknowledgeDeploymentFunction(deploymentRole);
  }

  /** Props checked together, every problem reported at once; the built console's directory. */
  private checkedDistDirectory(props: ConsoleHostingProps): string {
    const distDirectory = props.distDirectory ?? CONSOLE_DIST;
    const problems: string[] = [];
    if (!existsSync(path.join(distDirectory, 'index.html'))) {
      problems.push(
        `the console is not built: ${distDirectory} has no index.html. Run \`npm run build -w console\` (\`npm run build\` runs it) before synth`,
      );
    }
    if (Boolean(props.domainName) !== Boolean(props.certificate)) {
      problems.push('domainName and certificate go together: give both or neither');
    }
    const certificateArn = props.certificate?.certificateArn;
    if (
      certificateArn &&
      !Token.isUnresolved(certificateArn) &&
      certificateArn.split(':')[3] !== 'us-east-1'
    ) {
      problems.push(
        `certificate must be in us-east-1 (CloudFront takes none from elsewhere), got ${certificateArn}`,
      );
    }
    if (problems.length > 0) throw new Error(`ConsoleHosting ${this.node.path}: ${problems.join('; ')}`);
    return distDirectory;
  }

  /**
   * Server access logs of the site bucket (`s3/`) and the distribution's standard logs
   * (`cloudfront/`). CloudFront's standard logs need the bucket's ACL to grant its log-delivery
   * account, which CloudFront adds when the distribution is set up: the bucket must accept ACLs.
   * BucketOwnerPreferred keeps the delivered objects the bucket owner's; Block Public Access keeps
   * any public grant out.
   */
  private createLogBucket(retention: logs.RetentionDays): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Logs', {
      // S3 delivers server access logs only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      lifecycleRules: [
        { expiration: Duration.days(retention), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    sendObjectEventsToEventBridge(bucket);
    const logsOnly = "This is the console's access-log bucket";
    const noLoop = `${logsOnly}: logging it into itself would loop.`;
    const sseS3 = `${logsOnly}: S3 delivers server access logs only to buckets with S3-managed encryption (SSE-S3), not SSE-KMS.`;
    Validations.of(bucket).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-S1', reason: noLoop },
      { id: 'HIPAA.Security::HIPAA.Security-S3BucketLoggingEnabled', reason: noLoop },
      { id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check', reason: noLoop },
      { id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason: sseS3 },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason: `${logsOnly}: audit records kept a year in three Availability Zones; no recovery need for a replica.`,
      },
      {
        id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
        reason: `${logsOnly}: its lifecycle expiry is the retention; S3 Object Lock would keep records past it.`,
      },
    );
    return bucket;
  }

  /** The console's files: private (CloudFront reads them through origin access control), TLS only. */
  private createBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Bucket', {
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    sendObjectEventsToEventBridge(bucket);
    const publicFiles =
      'The console is static files that anyone may fetch through CloudFront (no data: that comes from the API, after sign-in)';
    const sseS3 = `${publicFiles}: a customer-managed key would protect nothing, and CloudFront would need a key policy naming every distribution.`;
    Validations.of(bucket).acknowledge(
      { id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3 },
      { id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', reason: sseS3 },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason: `${publicFiles}, built from the repository and copied again by every deploy: a replica would recover nothing a deploy does not.`,
      },
      {
        id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
        reason: `${publicFiles}; each deploy replaces them and prunes the previous build's: S3 Object Lock would forbid that. Versioning and access logs cover tampering.`,
      },
    );
    return bucket;
  }

  /**
   * Security headers on every response. The CSP allows the API by a wildcard on API Gateway's
   * domain in this region, not by the API's own URL: naming it would make the distribution depend
   * on the API, whose CORS names the distribution's domain, a cycle. The values are the local
   * console server's (`console-security-headers.ts`), so what is tested locally is what is deployed.
   */
  private createResponseHeadersPolicy(): cloudfront.ResponseHeadersPolicy {
    const { region } = Stack.of(this);
    const contentSecurityPolicy = consoleContentSecurityPolicy([
      `https://*.execute-api.${region}.amazonaws.com`,
      `https://cognito-idp.${region}.amazonaws.com`,
    ]);
    return new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Event delivery console: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
  }

  private createDistribution(props: ConsoleHostingProps): cloudfront.Distribution {
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Event delivery console',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.responseHeadersPolicy,
        compress: true,
      },
      defaultRootObject: 'index.html',
      // The app routes in the browser: a path S3 does not have (403 without s3:ListBucket, 404)
      // is one of its pages. Not cached, so a deploy's new index.html serves deep links at once.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? ConsoleHosting.DEFAULTS.priceClass,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domainName &&
        props.certificate && {
          domainNames: [props.domainName],
          certificate: props.certificate,
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          sslSupportMethod: cloudfront.SSLMethod.SNI,
        }),
    });
    const acknowledgements = [
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason:
          "Customers sign in from anywhere: a geo restriction would lock some out, and the API checks every caller's credentials.",
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'A web ACL for CloudFront must live in us-east-1, outside this regional stack; the console is static files, and the API it calls has its own WAF (per-caller and per-IP rate limits, AWS managed rules).',
      },
      {
        id: 'cdk-validator-cfnguard::cloudfront_origin_failover_enabled_check',
        reason:
          "One origin: the console's bucket, S3 keeping its objects in three Availability Zones. A failover origin would be a replica bucket of static files that any deploy recreates.",
      },
    ];
    if (!props.certificate) {
      const defaultCertificate =
        "No domain name of the operator's is given: the distribution is reached at its *.cloudfront.net name with CloudFront's default certificate, whose security policy CloudFront sets; give domainName and certificate to serve it under yours with TLSv1.2_2021 and SNI.";
      acknowledgements.push(
        { id: 'AwsSolutions::AwsSolutions-CFR4', reason: defaultCertificate },
        { id: 'cdk-validator-cfnguard::cloudfront_custom_ssl_certificate_check', reason: defaultCertificate },
        { id: 'cdk-validator-cfnguard::cloudfront_security_policy_check', reason: defaultCertificate },
        { id: 'cdk-validator-cfnguard::cloudfront_sni_enabled_check', reason: defaultCertificate },
      );
    }
    Validations.of(distribution).acknowledge(...acknowledgements);
    return distribution;
  }

  /**
   * The role of CDK's bucket-deployment function, made here so that it gets no AWS managed policy:
   * it writes its own log group (encrypted, kept `logRetention`) and nothing else; the deployments
   * add reading the assets and writing this bucket.
   */
  private createDeploymentRole(
    props: ConsoleHostingProps,
    retention: logs.RetentionDays,
  ): { role: iam.Role; logGroup: logs.LogGroup } {
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Event delivery console: copies the built console into the console's bucket",
    });
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention,
      encryptionKey: props.encryptionKey,
    });
    logGroup.grantWrite(role);
    return { role, logGroup };
  }

  /**
   * CDK's deployment function (one per stack, shared by both deployments) and its role: the
   * compliance rules they answer by design, each with its reason.
   */
  private acknowledgeDeploymentFunction(role: iam.Role): void {
    const stack = Stack.of(this);
    // As cdk-nag prints them: literals where the app resolves them, else the pseudo parameters.
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const qualifier =
      (stack.synthesizer instanceof DefaultStackSynthesizer && stack.synthesizer.bootstrapQualifier) ||
      DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetsBucket = `arn:${shown(stack.partition, 'Partition')}:s3:::cdk-${qualifier}-assets-${shown(stack.account, 'AccountId')}-${shown(stack.region, 'Region')}`;
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    const copy =
      "CDK's deployment function copies the built console from the CDK assets bucket into the console's bucket and prunes the previous build";
    Validations.of(role).acknowledge(
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        reason: `${copy}: CDK grants reading with these action families (aws s3 sync lists and reads), on the assets bucket and the console's bucket only.`,
      })),
      ...['s3:Abort*', 's3:DeleteObject*'].map((action) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        reason: `${copy}: writing and deleting (pruning) objects, on the console's bucket only.`,
      })),
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${assetsBucket}/*]`,
        reason: `${copy}: it reads its source archives from the CDK assets bucket, whose keys are content hashes known at deploy.`,
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        reason: `${copy}: every object of the console's bucket is the console's, for it to write and prune.`,
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: `${copy}, then invalidates /index.html and /config.json: CDK grants cloudfront:CreateInvalidation and GetInvalidation on *, the invalidation being made by the distribution's id, which the deployment learns at deploy.`,
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          'The policy belongs to this one role and lives and dies with it; a managed policy would add a reusable surface with no benefit.',
      },
    );
    const handler = stack.node.children.find(
      (child): child is lambda.Function =>
        child instanceof lambda.Function && child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler)
      throw new Error(`ConsoleHosting ${this.node.path}: CDK's bucket deployment function not found`);
    const cdkRuntime =
      "CDK's own deployment function: aws-cdk-lib pins its Python runtime and the AWS CLI layer it runs, and upgrading aws-cdk-lib upgrades both; it runs only during a deploy.";
    const noVpc =
      'It reaches only public AWS endpoints (S3, CloudFront) during a deploy; there is no VPC resource for it to reach, and a VPC would need NAT or endpoints for nothing.';
    const deployOnly =
      'Invoked only by CloudFormation, synchronously, during a deploy: a failure fails the deploy (and rolls it back), so there is no event to keep for later.';
    Validations.of(handler).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-L1', reason: cdkRuntime },
      { id: 'Serverless::Serverless-LambdaLatestVersion', reason: cdkRuntime },
      { id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC', reason: noVpc },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: noVpc },
      { id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ', reason: deployOnly },
      { id: 'Serverless::Serverless-LambdaDLQ', reason: deployOnly },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'Invoked once per deployment resource and deploy, by CloudFormation alone: its concurrency is bounded by the stack itself.',
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          "CDK's bucket deployment does not expose tracing; its logs (this construct's log group) and CloudFormation's events record each run.",
      },
    );
  }
}

/**
 * Object events (created, deleted) go to the account's default EventBridge bus, for operators to
 * match (AWS Control Tower CT.S3.PR.4); set on the bucket itself, with no custom resource.
 */
function sendObjectEventsToEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
    'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
    true,
  );
}
