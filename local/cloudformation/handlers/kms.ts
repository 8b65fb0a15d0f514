import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DisableKeyCommand,
  EnableKeyRotationCommand,
} from '@aws-sdk/client-kms';
import { isTrue, json, optionalNumber, optionalString, type ResourceHandler } from './handler';

type Input = CreateKeyCommandInput;

export const key: ResourceHandler = {
  properties: [
    'Description',
    'KeyPolicy',
    'KeyUsage',
    'KeySpec',
    'MultiRegion',
    'Origin',
    'Enabled',
    'EnableKeyRotation',
    'RotationPeriodInDays',
    'BypassPolicyLockoutSafetyCheck',
    'Tags',
    // Only read when the key is deleted, which the local platform never does.
    'PendingWindowInDays',
  ],
  async create(properties, context) {
    const { KeyMetadata } = await context.clients.kms.send(
      new CreateKeyCommand({
        Description: optionalString(properties.Description),
        Policy: properties.KeyPolicy === undefined ? undefined : json(properties.KeyPolicy),
        KeyUsage: properties.KeyUsage as Input['KeyUsage'],
        KeySpec: properties.KeySpec as Input['KeySpec'],
        MultiRegion: isTrue(properties.MultiRegion),
        Origin: properties.Origin as Input['Origin'],
        BypassPolicyLockoutSafetyCheck: isTrue(properties.BypassPolicyLockoutSafetyCheck),
        Tags: (properties.Tags as { Key: string; Value: string }[] | undefined)?.map(({ Key, Value }) => ({
          TagKey: Key,
          TagValue: Value,
        })),
      }),
    );
    const KeyId = KeyMetadata?.KeyId ?? '';
    if (isTrue(properties.EnableKeyRotation)) {
      await context.clients.kms.send(
        new EnableKeyRotationCommand({
          KeyId,
          RotationPeriodInDays: optionalNumber(properties.RotationPeriodInDays),
        }),
      );
    }
    if (properties.Enabled === false || properties.Enabled === 'false') {
      await context.clients.kms.send(new DisableKeyCommand({ KeyId }));
    }
    return { ref: KeyId, attributes: { Arn: KeyMetadata?.Arn, KeyId } };
  },
};

export const alias: ResourceHandler = {
  properties: ['AliasName', 'TargetKeyId'],
  async create(properties, context) {
    const AliasName = String(properties.AliasName);
    await context.clients.kms.send(
      new CreateAliasCommand({ AliasName, TargetKeyId: String(properties.TargetKeyId) }),
    );
    return { ref: AliasName, attributes: {} };
  },
};
