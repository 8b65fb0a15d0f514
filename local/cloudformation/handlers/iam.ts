import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  json,
  optionalNumber,
  optionalString,
  physicalName,
  type ResourceContext,
  type ResourceHandler,
  stringList,
} from './handler';

interface InlinePolicy {
  readonly PolicyName: string;
  readonly PolicyDocument: unknown;
}

export const role: ResourceHandler = {
  properties: [
    'RoleName',
    'Path',
    'AssumeRolePolicyDocument',
    'Description',
    'MaxSessionDuration',
    'PermissionsBoundary',
    'Policies',
    'ManagedPolicyArns',
    'Tags',
  ],
  async create(properties, context) {
    const { iam } = context.clients;
    const RoleName =
      typeof properties.RoleName === 'string'
        ? properties.RoleName
        : physicalName(context, { maxLength: 64 });
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName,
        Path: optionalString(properties.Path),
        AssumeRolePolicyDocument: json(properties.AssumeRolePolicyDocument),
        Description: optionalString(properties.Description),
        MaxSessionDuration: optionalNumber(properties.MaxSessionDuration),
        PermissionsBoundary: optionalString(properties.PermissionsBoundary),
        Tags: properties.Tags as { Key: string; Value: string }[] | undefined,
      }),
    );
    for (const policy of (properties.Policies ?? []) as InlinePolicy[]) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName,
          PolicyName: policy.PolicyName,
          PolicyDocument: json(policy.PolicyDocument),
        }),
      );
    }
    for (const PolicyArn of stringList(properties.ManagedPolicyArns)) {
      await attachManagedPolicy(iam, RoleName, PolicyArn, context);
    }
    return { ref: RoleName, attributes: { Arn: Role?.Arn, RoleId: Role?.RoleId } };
  },
};

/** moto holds AWS managed policies only when started to load them; one it lacks is reported, not fatal. */
async function attachManagedPolicy(
  iam: IAMClient,
  RoleName: string,
  PolicyArn: string,
  context: ResourceContext,
): Promise<void> {
  try {
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
  } catch (error) {
    if ((error as Error).name !== 'NoSuchEntityException' || !PolicyArn.includes(':iam::aws:policy/'))
      throw error;
    context.limitation(
      'ManagedPolicyArns',
      `${PolicyArn}: the emulator does not hold this AWS managed policy`,
    );
  }
}

export const policy: ResourceHandler = {
  properties: ['PolicyName', 'PolicyDocument', 'Roles', 'Users', 'Groups'],
  async create(properties, context) {
    const { iam } = context.clients;
    const PolicyName = String(properties.PolicyName);
    const PolicyDocument = json(properties.PolicyDocument);
    for (const RoleName of stringList(properties.Roles)) {
      await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument }));
    }
    for (const UserName of stringList(properties.Users)) {
      await iam.send(new PutUserPolicyCommand({ UserName, PolicyName, PolicyDocument }));
    }
    for (const GroupName of stringList(properties.Groups)) {
      await iam.send(new PutGroupPolicyCommand({ GroupName, PolicyName, PolicyDocument }));
    }
    return { ref: `${context.stackName}-${context.logicalId}`, attributes: {} };
  },
};
