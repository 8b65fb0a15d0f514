import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The rule packs every stack must pass: cdk-nag's AWS Solutions, HIPAA Security and Serverless
 * packs, and the AWS Control Tower proactive controls (CloudFormation Guard rules, as an
 * organisation enforcing them would run them). Findings fail synth unless acknowledged with
 * `Validations.of(resource).acknowledge({ id, reason })` next to the resource.
 */
export function applyCompliancePacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope, { verbose: true }),
    new HIPAASecurityChecks(scope, { verbose: true }),
    new ServerlessChecks(scope, { verbose: true }),
    new CfnGuardValidator(),
  );
}
