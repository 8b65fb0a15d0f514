import { randomInt } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isTrue, optionalString, physicalName, type ResourceHandler } from './handler';

/** `GenerateSecretString`, as Secrets Manager reads it. */
export interface GenerateSecretString {
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeLowercase?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
  readonly SecretStringTemplate?: string;
  readonly GenerateStringKey?: string;
}

const CHARACTER_SETS = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  space: ' ',
};

/**
 * A password as Secrets Manager generates it (32 characters by default, one of each included
 * type), generated here: the secret holds its value from the start, as in AWS.
 */
export function generateSecretString(spec: GenerateSecretString): string {
  const excluded = new Set(spec.ExcludeCharacters ?? '');
  const sets = [
    !isTrue(spec.ExcludeLowercase) && CHARACTER_SETS.lowercase,
    !isTrue(spec.ExcludeUppercase) && CHARACTER_SETS.uppercase,
    !isTrue(spec.ExcludeNumbers) && CHARACTER_SETS.numbers,
    !isTrue(spec.ExcludePunctuation) && CHARACTER_SETS.punctuation,
    isTrue(spec.IncludeSpace) && CHARACTER_SETS.space,
  ]
    .filter((set): set is string => typeof set === 'string')
    .map((set) => [...set].filter((character) => !excluded.has(character)).join(''))
    .filter((set) => set.length > 0);
  const length = Number(spec.PasswordLength ?? 32);
  if (sets.length === 0) throw new Error('GenerateSecretString excludes every character');
  const pick = (set: string) => set[randomInt(set.length)];
  const all = sets.join('');
  const characters = Array.from({ length }, () => pick(all));
  if (spec.RequireEachIncludedType !== false && length >= sets.length) {
    // One of each type, at distinct random places.
    const places = [...Array(length).keys()];
    for (let i = places.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [places[i], places[j]] = [places[j], places[i]];
    }
    sets.forEach((set, index) => {
      characters[places[index]] = pick(set);
    });
  }
  const password = characters.join('');
  if (spec.GenerateStringKey === undefined) return password;
  const template = JSON.parse(spec.SecretStringTemplate ?? '{}') as Record<string, unknown>;
  return JSON.stringify({ ...template, [spec.GenerateStringKey]: password });
}

export const secret: ResourceHandler = {
  properties: [
    'Name',
    'Description',
    'KmsKeyId',
    'SecretString',
    'GenerateSecretString',
    'Tags',
    // One region locally.
    'ReplicaRegions',
  ],
  async create(properties, context) {
    const Name =
      typeof properties.Name === 'string' ? properties.Name : physicalName(context, { maxLength: 512 });
    const generate = properties.GenerateSecretString as GenerateSecretString | undefined;
    const { ARN = '' } = await context.clients.secretsManager.send(
      new CreateSecretCommand({
        Name,
        Description: optionalString(properties.Description),
        KmsKeyId: optionalString(properties.KmsKeyId),
        SecretString: generate ? generateSecretString(generate) : optionalString(properties.SecretString),
        Tags: properties.Tags as { Key: string; Value: string }[] | undefined,
      }),
    );
    return { ref: ARN, attributes: { Id: ARN } };
  },
};
