import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  type TransactWriteItem,
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

/** A membership that cannot change as asked: the person is already a member, is not one, or is its only admin. */
export class MembershipError extends Error {
  constructor(
    message: string,
    readonly kind: 'conflict' | 'not-found' | 'last-admin',
  ) {
    super(message);
    this.name = 'MembershipError';
  }
}

/**
 * A change that would leave the workspace with no admin: nobody could manage its members or keys
 * any more (only a platform operator could).
 */
export class LastAdminError extends MembershipError {
  constructor(workspaceId: string, admin: Member) {
    super(
      `${admin.email || admin.userId} is the only admin of workspace ${workspaceId}: make another member admin first`,
      'last-admin',
    );
    this.name = 'LastAdminError';
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

  /** Changes a member's role; refuses to demote the workspace's only admin (`LastAdminError`). */
  async setRole(workspaceId: string, userId: string, role: Role, context: ChangeContext): Promise<Member> {
    return this.changeKeepingAnAdmin(workspaceId, userId, role !== 'admin', async (before, keepAdmin) => {
      const at = this.now().toISOString();
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        {
          action: 'member.change-role',
          target: `member/${userId}`,
          before: { role: before.role },
          after: { role },
        },
        [
          {
            Update: {
              TableName: this.tableName,
              Key: registryKeys.member(workspaceId, userId),
              UpdateExpression: 'SET #role = :role',
              ...unchangedSince(),
              ExpressionAttributeValues: { ':role': { S: role }, ':before': { S: before.role } },
            },
          },
          {
            Update: {
              TableName: this.tableName,
              Key: registryKeys.userMembership(userId, workspaceId),
              UpdateExpression: 'SET #role = :role',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#role': 'role' },
              ExpressionAttributeValues: { ':role': { S: role } },
            },
          },
          ...keepAdmin,
        ],
        at,
      );
      return { ...before, role };
    });
  }

  /** Removes a member; refuses to remove the workspace's only admin (`LastAdminError`). */
  async remove(workspaceId: string, userId: string, context: ChangeContext): Promise<void> {
    await this.changeKeepingAnAdmin(workspaceId, userId, true, async (before, keepAdmin) => {
      const at = this.now().toISOString();
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        { action: 'member.remove', target: `member/${userId}`, before: { role: before.role } },
        [
          {
            Delete: {
              TableName: this.tableName,
              Key: registryKeys.member(workspaceId, userId),
              ...unchangedSince(),
              ExpressionAttributeValues: { ':before': { S: before.role } },
            },
          },
          { Delete: { TableName: this.tableName, Key: registryKeys.userMembership(userId, workspaceId) } },
          ...keepAdmin,
        ],
        at,
      );
    });
  }

  /**
   * Runs `change` on a member unless it would leave the workspace without an admin, race-safely:
   * when the member is an admin and `losesAdmin`, the change's transaction also checks that another
   * admin (read consistently just before) still is one, and the member's own item that its role is
   * still the one read. Two admins demoting each other at once cannot both succeed: DynamoDB
   * transactions are serializable, so the second one's check fails. A check that fails because the
   * members changed meanwhile reads them again and decides anew, up to `ATTEMPTS` times.
   * `change` gets the member as read and the condition checks to add to its transaction, and
   * writes the member's own item first.
   */
  private async changeKeepingAnAdmin<T>(
    workspaceId: string,
    userId: string,
    losesAdmin: boolean,
    change: (before: Member, keepAdmin: TransactWriteItem[]) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.member(workspaceId, userId);
      const keepAdmin =
        losesAdmin && before.role === 'admin' ? await this.anotherAdminStays(workspaceId, before) : [];
      try {
        return await change(before, keepAdmin);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (!changedMeanwhile(error, workspaceId, userId)) throw error;
        if (attempt >= Members.ATTEMPTS)
          throw new MembershipError(
            `the members of ${workspaceId} kept changing meanwhile: read them again and retry`,
            'conflict',
          );
      }
    }
  }

  /** How many times a change is tried when the members change under it. */
  private static readonly ATTEMPTS = 3;

  /**
   * The check that another admin of the workspace is still one, for the transaction that takes
   * `leaving`'s admin role away. Throws `LastAdminError` when there is no other admin.
   */
  private async anotherAdminStays(workspaceId: string, leaving: Member): Promise<TransactWriteItem[]> {
    const members = (await this.query(`workspace#${workspaceId}`, true)).map(toMember);
    const other = members.find((member) => member.role === 'admin' && member.userId !== leaving.userId);
    if (!other) throw new LastAdminError(workspaceId, leaving);
    return [
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: registryKeys.member(workspaceId, other.userId),
          ConditionExpression: '#role = :admin',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':admin': { S: 'admin' } },
        },
      },
    ];
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

  private async query(pk: string, consistent = false): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':member': { S: 'member#' } },
          ...(consistent && { ConsistentRead: true }),
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

/**
 * Whether a cancelled change met the members changing under it (worth deciding anew), from its
 * transaction's items in order: the member's own item, its mirror, then the other admin's check
 * when there is one. Throws `MembershipError` (not found) when the member is gone.
 */
function changedMeanwhile(error: TransactionCanceledException, workspaceId: string, userId: string): boolean {
  const reasons = error.CancellationReasons;
  const [own, mirror, otherAdmin] = reasons ?? [];
  const failed = (reason: CancellationReason | undefined) => reason?.Code === 'ConditionalCheckFailed';
  // ALL_OLD returns the item whose role changed; nothing when it is gone.
  if (!reasons || (failed(own) && !own.Item) || failed(mirror))
    throw new MembershipError(`no member ${userId} in ${workspaceId}`, 'not-found');
  return failed(own) || failed(otherAdmin) || reasons.some((reason) => reason.Code === 'TransactionConflict');
}

/** The member's own item is still as read (so still there): its role unchanged. */
const unchangedSince = () => ({
  ConditionExpression: '#role = :before',
  ExpressionAttributeNames: { '#role': 'role' },
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
});

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
