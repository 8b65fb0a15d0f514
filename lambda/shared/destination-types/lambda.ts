import * as z from 'zod/mini';
import {
  ACCOUNT_PATTERN,
  arnPattern,
  DELIVERY_OPTIONS,
  DestinationIdSchema,
  type DestinationTypeDefinition,
  type FieldDescriptor,
  REGION_PATTERN,
  ROLE_ARN,
  roleArn,
  type TextRule,
  text,
} from './common';

const FUNCTION_NAME = '[A-Za-z0-9_-]{1,64}';
export const FUNCTION_ARN_PATTERN = arnPattern(
  'lambda',
  `function:${FUNCTION_NAME}(?::[A-Za-z0-9$_-]{1,128})?`,
);
const FUNCTION_NAME_PATTERN = new RegExp(`^${FUNCTION_NAME}$`);
const FUNCTION_ARN: TextRule = { pattern: FUNCTION_ARN_PATTERN, message: 'must be a Lambda function ARN' };
const INVOCATION_TYPES = ['Event', 'RequestResponse'] as const;

export const LambdaDestinationSchema = z
  .strictObject({
    id: DestinationIdSchema,
    type: z.literal('lambda'),
    functionArn: text(FUNCTION_ARN),
    invocationType: z._default(z.enum(INVOCATION_TYPES), 'Event'),
    roleArn: z.optional(roleArn),
    ...DELIVERY_OPTIONS,
  })
  .check(
    z.refine((d) => !d.offloadOversize || d.roleArn !== undefined, {
      message: 'needs roleArn: offloaded payloads are readable only through the delivery role',
      path: ['offloadOversize'],
    }),
  );

/** AWS Lambda functions: invoked through a delivery role, or as the function's resource policy allows the dispatcher. */
export const lambdaType: DestinationTypeDefinition<z.input<typeof LambdaDestinationSchema>> = {
  schema: LambdaDestinationSchema,
  arnOf: (d) => d.functionArn,
  fifo: false,
  permissions: { actions: ['lambda:InvokeFunction'], keyActions: [] },
};

/** What a form or the CLI asks for, before `COMMON_FIELDS`: the function, by ARN or by region and name. */
export const LAMBDA_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'region',
    label: 'Region',
    description: "The function's region: with functionName, instead of functionArn",
    required: false,
    rule: { pattern: REGION_PATTERN, message: 'must be an AWS region' },
    example: 'us-east-1',
  },
  {
    name: 'functionName',
    label: 'Function name',
    description: 'With region, instead of functionArn',
    required: false,
    rule: { pattern: FUNCTION_NAME_PATTERN, message: 'must be 1-64 letters, digits, "-" or "_"' },
    example: 'orders',
  },
  {
    name: 'account',
    label: 'Account',
    description: "The function's account, with region and functionName: by default the role's",
    required: false,
    rule: { pattern: ACCOUNT_PATTERN, message: 'must be a 12-digit account id' },
    example: '111122223333',
  },
  {
    name: 'functionArn',
    label: 'Function ARN',
    description: 'The function, or a version or alias of it',
    required: true,
    rule: FUNCTION_ARN,
    example: 'arn:aws:lambda:us-east-1:111122223333:function:orders',
    or: ['region', 'functionName', 'account'],
  },
  {
    name: 'invocationType',
    label: 'Invocation type',
    description: "Event: asynchronous; RequestResponse: the function's own errors are retried",
    required: false,
    options: INVOCATION_TYPES,
    default: 'Event',
  },
  {
    name: 'roleArn',
    label: 'Delivery role ARN',
    description:
      "The role the platform assumes to invoke; without one, the function's resource policy must allow the dispatcher",
    required: false,
    rule: ROLE_ARN,
  },
];
