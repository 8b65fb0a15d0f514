import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  type CancellationReason,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { LastAdminError, Members, MembershipError } from '../../../lambda/control-plane/access/members';
import type { Role } from '../../../lambda/control-plane/access/roles';
import type { ChangeContext } from '../../../lambda/control-plane/audit/audit-log';
import { toApiError } from '../../../lambda/control-plane/http/router';
import { registryKeys } from '../../../lambda/shared/registry-table';

const TABLE = 'registry';
const WS = 'ws-a';
const NOW = new Date('2030-01-15T12:00:00.000Z');
const CHANGE: ChangeContext = {
  actor: { type: 'user', id: 'sub-ada', name: 'ada@example.com' },
  requestId: 'req-42',
};

const dynamodb = mockClient(DynamoDBClient);
const members = () =>
  new Members(
    new DynamoDBClient({}),
    TABLE,
    { cognito: new CognitoIdentityProviderClient({}), userPoolId: 'pool' },
    () => NOW,
  );

const memberItem = (userId: string, role: Role) => ({
  ...registryKeys.member(WS, userId),
  role: { S: role },
  email: { S: `${userId}@example.com` },
  added_at: { S: '2030-01-01T00:00:00.000Z' },
  added_by: { S: 'user:sub-root' },
});

/** The workspace's members, as the table holds them: `GetItem` finds each, `Query` lists them all. */
function stored(...items: ReturnType<typeof memberItem>[]) {
  for (const item of items)
    dynamodb
      .on(GetItemCommand, { Key: registryKeys.member(WS, item.sk.S.replace('member#', '')) })
      .resolves({ Item: item });
  dynamodb.on(QueryCommand).resolves({ Items: items });
}

const transactions = () =>
  dynamodb
    .commandCalls(TransactWriteItemsCommand)
    .map((call) => call.args[0].input as TransactWriteItemsCommandInput);

/** A cancelled transaction, with DynamoDB's reason for each of its items in order. */
const cancelled = (...reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons,
  });
const OK: CancellationReason = { Code: 'None' };
const FAILED: CancellationReason = { Code: 'ConditionalCheckFailed' };

/** The check that `userId` is still an admin, as the transaction carries it. */
const stillAdmin = (userId: string) => ({
  ConditionCheck: {
    TableName: TABLE,
    Key: registryKeys.member(WS, userId),
    ConditionExpression: '#role = :admin',
    ExpressionAttributeNames: { '#role': 'role' },
    ExpressionAttributeValues: { ':admin': { S: 'admin' } },
  },
});

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(GetItemCommand).resolves({});
  dynamodb.on(QueryCommand).resolves({ Items: [] });
  dynamodb.on(TransactWriteItemsCommand).resolves({});
});

describe('Members.setRole', () => {
  it('demotes an admin while another stays one, checking in the same transaction that the other still is', async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'admin'), memberItem('sub-cy', 'viewer'));

    // Act
    const member = await members().setRole(WS, 'sub-ada', 'editor', CHANGE);

    // Assess
    expect(member).toMatchObject({ userId: 'sub-ada', role: 'editor' });
    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': { S: `workspace#${WS}` }, ':member': { S: 'member#' } },
    });
    const [{ TransactItems = [] }] = transactions();
    expect(TransactItems).toHaveLength(4);
    const [own, mirror, check, audit] = TransactItems;
    expect(own.Update).toEqual({
      TableName: TABLE,
      Key: registryKeys.member(WS, 'sub-ada'),
      UpdateExpression: 'SET #role = :role',
      ConditionExpression: '#role = :before',
      ExpressionAttributeNames: { '#role': 'role' },
      ExpressionAttributeValues: { ':role': { S: 'editor' }, ':before': { S: 'admin' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(mirror.Update?.Key).toEqual(registryKeys.userMembership('sub-ada', WS));
    expect(check).toEqual(stillAdmin('sub-bob'));
    expect(audit.Put?.Item).toMatchObject({
      action: { S: 'member.change-role' },
      target: { S: 'member/sub-ada' },
      before: { S: JSON.stringify({ role: 'admin' }) },
      after: { S: JSON.stringify({ role: 'editor' }) },
    });
  });

  it("refuses to demote the workspace's only admin: 409 LastAdmin, and writes nothing", async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-cy', 'editor'));

    // Act
    const pending = members().setRole(WS, 'sub-ada', 'viewer', CHANGE);

    // Assess
    await expect(pending).rejects.toBeInstanceOf(LastAdminError);
    const error = await pending.catch((caught: unknown) => caught);
    expect(toApiError(error)).toMatchObject({
      status: 409,
      code: 'LastAdmin',
      message: 'sub-ada@example.com is the only admin of workspace ws-a: make another member admin first',
    });
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it("changes a non-admin's role on condition it is still the one read, without listing the members", async () => {
    // Prepare
    stored(memberItem('sub-cy', 'viewer'));

    // Act
    await members().setRole(WS, 'sub-cy', 'editor', CHANGE);

    // Assess
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
    const [{ TransactItems = [] }] = transactions();
    expect(TransactItems.map((item) => Object.keys(item)[0])).toEqual(['Update', 'Update', 'Put']);
    expect(TransactItems[0].Update).toMatchObject({
      ConditionExpression: '#role = :before',
      ExpressionAttributeValues: { ':role': { S: 'editor' }, ':before': { S: 'viewer' } },
    });
  });

  it('keeps the only admin an admin without a check: nothing is taken away', async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'));

    // Act
    await members().setRole(WS, 'sub-ada', 'admin', CHANGE);

    // Assess
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
    expect(transactions()[0].TransactItems).toHaveLength(3);
  });

  it('decides anew when the other admin was demoted meanwhile: then this one is the last', async () => {
    // Prepare: the other admin's check fails; read again, only Ada is admin
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'admin'));
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'admin')] })
      .resolves({ Items: [memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'viewer')] });
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled(OK, OK, FAILED, OK));

    // Act
    const pending = members().setRole(WS, 'sub-ada', 'viewer', CHANGE);

    // Assess
    await expect(pending).rejects.toBeInstanceOf(LastAdminError);
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
  });

  it('decides anew when the member was promoted meanwhile', async () => {
    // Prepare: read as an editor, an admin when written; Bob is another admin
    dynamodb
      .on(GetItemCommand, { Key: registryKeys.member(WS, 'sub-cy') })
      .resolvesOnce({ Item: memberItem('sub-cy', 'editor') })
      .resolves({ Item: memberItem('sub-cy', 'admin') });
    dynamodb
      .on(QueryCommand)
      .resolves({ Items: [memberItem('sub-cy', 'admin'), memberItem('sub-bob', 'admin')] });
    dynamodb
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled({ ...FAILED, Item: memberItem('sub-cy', 'admin') }, OK, OK))
      .resolves({});

    // Act
    await members().setRole(WS, 'sub-cy', 'viewer', CHANGE);

    // Assess: the second try checks that Bob stays admin
    const [first, second] = transactions();
    expect(first.TransactItems).toHaveLength(3);
    expect(second.TransactItems?.[0].Update?.ExpressionAttributeValues?.[':before']).toEqual({ S: 'admin' });
    expect(second.TransactItems?.[2]).toEqual(stillAdmin('sub-bob'));
  });

  it('gives up with a conflict when the members keep changing', async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'admin'));
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled(OK, OK, FAILED, OK));

    // Act
    const pending = members().setRole(WS, 'sub-ada', 'viewer', CHANGE);

    // Assess
    await expect(pending).rejects.toMatchObject({ kind: 'conflict' });
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 3);
  });

  it('answers not found for a person who is not a member, or was removed meanwhile', async () => {
    // Prepare
    stored(memberItem('sub-cy', 'viewer'));
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled(FAILED, OK, OK));

    // Act
    const nobody = members().setRole(WS, 'sub-nobody', 'viewer', CHANGE);
    const removed = members().setRole(WS, 'sub-cy', 'editor', CHANGE);

    // Assess
    await expect(nobody).rejects.toEqual(new MembershipError('no member sub-nobody in ws-a', 'not-found'));
    await expect(removed).rejects.toEqual(new MembershipError('no member sub-cy in ws-a', 'not-found'));
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
  });
});

describe('Members.remove', () => {
  it("refuses to remove the workspace's only admin, even by themselves", async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-cy', 'editor'));

    // Act
    const pending = members().remove(WS, 'sub-ada', CHANGE);

    // Assess
    await expect(pending.catch((caught: unknown) => toApiError(caught))).resolves.toMatchObject({
      status: 409,
      code: 'LastAdmin',
    });
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it('removes an admin while another stays one, checking that the other still is', async () => {
    // Prepare
    stored(memberItem('sub-ada', 'admin'), memberItem('sub-bob', 'admin'));

    // Act
    await members().remove(WS, 'sub-bob', CHANGE);

    // Assess
    const [{ TransactItems = [] }] = transactions();
    expect(TransactItems).toHaveLength(4);
    const [own, mirror, check, audit] = TransactItems;
    expect(own.Delete).toEqual({
      TableName: TABLE,
      Key: registryKeys.member(WS, 'sub-bob'),
      ConditionExpression: '#role = :before',
      ExpressionAttributeNames: { '#role': 'role' },
      ExpressionAttributeValues: { ':before': { S: 'admin' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(mirror.Delete?.Key).toEqual(registryKeys.userMembership('sub-bob', WS));
    expect(check).toEqual(stillAdmin('sub-ada'));
    expect(audit.Put?.Item).toMatchObject({
      action: { S: 'member.remove' },
      target: { S: 'member/sub-bob' },
    });
  });

  it('removes a viewer without listing the members', async () => {
    // Prepare
    stored(memberItem('sub-cy', 'viewer'));

    // Act
    await members().remove(WS, 'sub-cy', CHANGE);

    // Assess
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
    expect(transactions()[0].TransactItems?.map((item) => Object.keys(item)[0])).toEqual([
      'Delete',
      'Delete',
      'Put',
    ]);
  });
});
