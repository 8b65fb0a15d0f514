import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { registryKeys } from '../../shared/registry-table';
import { actorLabel, type ChangeContext, writeAudited } from '../audit/audit-log';
import { workspaceExists } from './api-keys';
import type { Role } from './roles';

/** A person's membership of a workspace. */
export interface Member {
  /** Their user pool `sub`. */
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly addedAt: string;
  readonly addedBy: string;
}

/** A membership that cannot change as asked: the person is already a member, or is not one. */
export class MembershipError extends Error {
  constructor(
    message: string,
    readonly kind: 'conflict' | 'not-found',
  ) {
    super(message);
    this.name = 'MembershipError';
  }
}

/**
 * Who belongs to which workspace, with which role: one item in the workspace's collection (to
 * list its members) and its mirror under the person (to list their workspaces), written together
 * with the audit event. People themselves live in the Cognito user pool.
 */
export class Members {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    private readonly users: { readonly cognito: CognitoIdentityProviderClient; readonly userPoolId: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The person's role in the workspace, or undefined when they are not a member. */
  async roleOf(workspaceId: string, userId: string): Promise<Role | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.member(workspaceId, userId),
        ProjectionExpression: '#role',
        // A member just removed or demoted loses their role at once.
        ConsistentRead: true,
        ExpressionAttributeNames: { '#role': 'role' },
      }),
    );
    return Item?.role?.S as Role | undefined;
  }

  async list(workspaceId: string): Promise<Member[]> {
    const items = await this.query(`workspace#${workspaceId}`);
    return items.map(toMember).sort((a, b) => a.email.localeCompare(b.email));
  }

  /** The workspaces a person belongs to, with their role in each. */
  async workspacesOf(userId: string): Promise<{ workspace: string; role: Role }[]> {
    const items = await this.query(`user#${userId}`);
    return items
      .map((item) => ({ workspace: (item.sk?.S ?? '').replace(/^member#/, ''), role: item.role?.S as Role }))
      .sort((a, b) => a.workspace.localeCompare(b.workspace));
  }

  /**
   * Adds a person by email: an existing user of the pool, or a new one, whom Cognito invites with a
   * temporary password (by email, in AWS).
   */
  async invite(workspaceId: string, email: string, role: Role, context: ChangeContext): Promise<Member> {
    const userId = await this.userIdFor(email);
    const member: Member = {
      userId,
      email,
      role,
      addedAt: this.now().toISOString(),
      addedBy: actorLabel(context.actor),
    };
    const attributes = {
      role: { S: role },
      email: { S: email },
      added_at: { S: member.addedAt },
      added_by: { S: member.addedBy },
    };
    try {
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        { action: 'member.invite', target: `member/${userId}`, after: { role } },
        [
          workspaceExists(this.tableName, workspaceId),
          {
            Put: {
              TableName: this.tableName,
              Item: { ...registryKeys.member(workspaceId, userId), ...attributes },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...registryKeys.userMembership(userId, workspaceId), ...attributes },
            },
          },
        ],
        member.addedAt,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new MembershipError(`${email} is already a member of ${workspaceId}`, 'conflict');
      throw error;
    }
    return member;
  }

  async setRole(workspaceId: string, userId: string, role: Role, context: ChangeContext): Promise<Member> {
    const before = await this.member(workspaceId, userId);
    const at = this.now().toISOString();
    const update = (key: Record<string, AttributeValue>) => ({
      Update: {
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': { S: role } },
      },
    });
    await this.write(
      workspaceId,
      userId,
      context,
      at,
      { before: { role: before.role }, after: { role } },
      'member.change-role',
      [
        update(registryKeys.member(workspaceId, userId)),
        update(registryKeys.userMembership(userId, workspaceId)),
      ],
    );
    return { ...before, role };
  }

  async remove(workspaceId: string, userId: string, context: ChangeContext): Promise<void> {
    const before = await this.member(workspaceId, userId);
    const at = this.now().toISOString();
    await this.write(workspaceId, userId, context, at, { before: { role: before.role } }, 'member.remove', [
      {
        Delete: {
          TableName: this.tableName,
          Key: registryKeys.member(workspaceId, userId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      { Delete: { TableName: this.tableName, Key: registryKeys.userMembership(userId, workspaceId) } },
    ]);
  }

  private async write(
    workspaceId: string,
    userId: string,
    context: ChangeContext,
    at: string,
    versions: { before?: Record<string, unknown>; after?: Record<string, unknown> },
    action: string,
    items: Parameters<typeof writeAudited>[5],
  ): Promise<void> {
    try {
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        { action, target: `member/${userId}`, ...versions },
        items,
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new MembershipError(`no member ${userId} in ${workspaceId}`, 'not-found');
      throw error;
    }
  }

  private async member(workspaceId: string, userId: string): Promise<Member> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.member(workspaceId, userId),
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new MembershipError(`no member ${userId} in ${workspaceId}`, 'not-found');
    return toMember(Item);
  }

  /** The pool's user with this email (the pool signs in by email), created when there is none. */
  private async userIdFor(email: string): Promise<string> {
    const { cognito, userPoolId } = this.users;
    try {
      const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
      return subOf(user.UserAttributes);
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
    const { User } = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      }),
    );
    return subOf(User?.Attributes);
  }

  private async query(pk: string): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':member': { S: 'member#' } },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

function subOf(attributes: { Name?: string; Value?: string }[] | undefined): string {
  const sub = attributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error('the user pool returned a user without a sub');
  return sub;
}

function toMember(item: Record<string, AttributeValue>): Member {
  return {
    userId: (item.sk?.S ?? '').replace(/^member#/, ''),
    email: item.email?.S ?? '',
    role: (item.role?.S ?? 'viewer') as Role,
    addedAt: item.added_at?.S ?? '',
    addedBy: item.added_by?.S ?? '',
  };
}
