import {
  CreateEventBusCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { json, optionalString, physicalName, type ResourceHandler } from './handler';

export const eventBus: ResourceHandler = {
  properties: [
    'Name',
    'Description',
    'KmsKeyIdentifier',
    'DeadLetterConfig',
    'EventSourceName',
    'Policy',
    'Tags',
  ],
  async create(properties, context) {
    const Name = String(properties.Name);
    const { EventBusArn } = await context.clients.events.send(
      new CreateEventBusCommand({
        Name,
        Description: optionalString(properties.Description),
        KmsKeyIdentifier: optionalString(properties.KmsKeyIdentifier),
        DeadLetterConfig: properties.DeadLetterConfig as { Arn?: string } | undefined,
        EventSourceName: optionalString(properties.EventSourceName),
        Tags: properties.Tags as { Key: string; Value: string }[] | undefined,
      }),
    );
    if (properties.Policy !== undefined) {
      await context.clients.events.send(
        new PutPermissionCommand({ EventBusName: Name, Policy: json(properties.Policy) }),
      );
    }
    return { ref: Name, attributes: { Arn: EventBusArn, Name } };
  },
};

export const rule: ResourceHandler = {
  properties: [
    'Name',
    'EventBusName',
    'EventPattern',
    'ScheduleExpression',
    'State',
    'Description',
    'RoleArn',
    'Targets',
  ],
  async create(properties, context) {
    const Name =
      typeof properties.Name === 'string' ? properties.Name : physicalName(context, { maxLength: 64 });
    // A bus's name or ARN; the rule's ARN and Ref name the bus by name.
    const EventBusName = optionalString(properties.EventBusName)?.split('/').pop();
    const { RuleArn } = await context.clients.events.send(
      new PutRuleCommand({
        Name,
        EventBusName,
        EventPattern: properties.EventPattern === undefined ? undefined : json(properties.EventPattern),
        ScheduleExpression: optionalString(properties.ScheduleExpression),
        State: properties.State as 'ENABLED' | 'DISABLED' | undefined,
        Description: optionalString(properties.Description),
        RoleArn: optionalString(properties.RoleArn),
      }),
    );
    // A template's targets have the API's shape.
    const targets = (properties.Targets ?? []) as Target[];
    if (targets.length > 0) {
      await context.clients.events.send(
        new PutTargetsCommand({ Rule: Name, EventBusName, Targets: targets }),
      );
    }
    // CloudFormation's Ref of a rule on a custom bus is "bus|rule".
    const onCustomBus = EventBusName !== undefined && EventBusName !== 'default';
    return { ref: onCustomBus ? `${EventBusName}|${Name}` : Name, attributes: { Arn: RuleArn } };
  },
};
