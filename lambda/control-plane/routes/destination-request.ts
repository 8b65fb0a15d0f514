import * as z from 'zod';
import { type DestinationInput, destinationArn } from '../../shared/destination-config';
import { DestinationSchema, destinationFields } from '../../shared/destination-types';
import { REGION_PATTERN } from '../../shared/destination-types/common';
import { type FieldProblem, invalidRequest, problemsOf } from '../http/api-error';

const Region = z.string().regex(REGION_PATTERN, 'must be an AWS region');

/**
 * A destination as a form or client writes it: any type's fields, plus `region` (checked against
 * the resource's ARN), and for Lambda the function by `region` + `functionName` (+ `account`,
 * by default the delivery role's) instead of `functionArn`. `events` defaults to all.
 */
export const DestinationRequest = z
  .looseObject({
    id: z.string(),
    type: z.enum(['lambda', 'sns', 'kinesis', 'eventbridge', 'sqs']),
    region: Region.optional(),
    functionName: z.string().optional(),
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit account id')
      .optional(),
  })
  .meta({
    id: 'DestinationRequest',
    description:
      "A destination: its type's fields (GET destination-types lists them), as in Destination. " +
      'Lambda takes region + functionName (+ account) instead of functionArn; every type may give region.',
  });

/** The same, for an update: every field optional; `null` removes an optional field. */
export const DestinationChanges = z.record(z.string(), z.unknown()).meta({
  id: 'DestinationChanges',
  description: 'Fields to change (as in DestinationRequest); null removes an optional field',
});

/**
 * Turns form fields into the destination the registry stores, and validates it with the type's
 * schema so that every problem names its field.
 */
export function toDestinationInput(
  request: Record<string, unknown>,
  context: { readonly invokeAccounts: readonly string[] },
): DestinationInput {
  const { region, functionName, account, ...rest } = request as Record<string, unknown> & {
    region?: string;
    functionName?: string;
    account?: string;
  };
  const problems: FieldProblem[] = [];
  const fields: Record<string, unknown> = { events: ['*'], ...rest };
  if (fields.type !== 'lambda')
    for (const [field, value] of Object.entries({ functionName, account }))
      if (value !== undefined) problems.push({ field, message: 'is a field of Lambda destinations only' });
  if (fields.type === 'lambda' && functionName !== undefined) {
    // The ARN is built from these: name the one at fault, not the ARN the caller never gave.
    const parts: Record<string, unknown> = { region, functionName, account };
    for (const { name, rule } of destinationFields('lambda')) {
      const value = parts[name];
      if (value !== undefined && rule && !(typeof value === 'string' && rule.pattern.test(value)))
        problems.push({ field: name, message: rule.message });
    }
    if (fields.functionArn !== undefined)
      problems.push({
        field: 'functionName',
        message: 'give functionArn, or region and functionName, not both',
      });
    const owner =
      account ??
      (typeof fields.roleArn === 'string' ? fields.roleArn.split(':')[4] : undefined) ??
      (context.invokeAccounts.length === 1 ? context.invokeAccounts[0] : undefined);
    if (!region) problems.push({ field: 'region', message: 'is needed with functionName' });
    if (!owner)
      problems.push({
        field: 'account',
        message: 'is needed with functionName when there is no roleArn to take it from',
      });
    fields.functionArn = `arn:aws:lambda:${region ?? ''}:${owner ?? ''}:function:${functionName}`;
  }
  if (problems.length > 0) throw invalidRequest(problems);
  const parsed = z.safeParse(DestinationSchema, fields);
  if (!parsed.success) throw invalidRequest(problemsOf(parsed.error.issues, '(body)'));
  const destination = fields as DestinationInput;
  if (region !== undefined && destinationArn(destination).split(':')[3] !== region)
    throw invalidRequest([
      { field: 'region', message: `is not the region of ${destinationArn(destination)}` },
    ]);
  return destination;
}
