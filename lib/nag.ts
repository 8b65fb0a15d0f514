import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag packs every stack must pass. Findings fail synth unless acknowledged with
 * `Validations.of(resource).acknowledge({ id, reason })` next to the resource.
 */
export function applyNagPacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope, { verbose: true }),
    new HIPAASecurityChecks(scope, { verbose: true }),
    new ServerlessChecks(scope, { verbose: true }),
  );
}
