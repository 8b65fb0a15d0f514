import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { OPERATORS_GROUP, ROLES, type Role } from '../../lambda/control-plane/access/roles';
import { iamChangeContext } from '../../lambda/control-plane/audit/audit-log';
import { LOCAL_OPERATOR } from '../accounts';
import type { LocalControlPlane } from './start';

/** A person who can sign in to the local user pool (USER_PASSWORD_AUTH). */
export interface LocalUser {
  readonly username: string;
  readonly password: string;
}

export interface WorkspaceAccess {
  readonly users: Readonly<Record<Role, LocalUser>>;
  /** An admin API key of the workspace. */
  readonly apiKey: string;
}

export interface SeededAccess {
  /** In the operators group: acts on every workspace. */
  readonly operator: LocalUser;
  readonly workspaces: Readonly<Record<string, WorkspaceAccess>>;
}

/** Random each run, and within the pool's policy (12+ characters, upper, lower, digit, symbol). */
const newPassword = (): string => `Local-${randomBytes(12).toString('base64url')}-9a`;

/**
 * People and keys to try the API with: an operator, and per workspace an admin, an editor and a
 * viewer (members invited through the API's own membership code, so they are real members) and
 * an admin API key. Passwords are set permanent: moto never runs the invitation email flow.
 */
export async function seedAccess(
  controlPlane: LocalControlPlane,
  workspaceIds: readonly string[],
): Promise<SeededAccess> {
  const { cognito } = controlPlane.clients;
  const { userPoolId } = controlPlane;
  const context = iamChangeContext(LOCAL_OPERATOR);
  const setPassword = async (username: string): Promise<LocalUser> => {
    const password = newPassword();
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: username,
        Password: password,
        Permanent: true,
      }),
    );
    return { username, password };
  };

  const operatorName = 'operator@platform.local';
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: operatorName,
      UserAttributes: [
        { Name: 'email', Value: operatorName },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await cognito.send(
    new AdminAddUserToGroupCommand({
      UserPoolId: userPoolId,
      Username: operatorName,
      GroupName: OPERATORS_GROUP,
    }),
  );
  const operator = await setPassword(operatorName);

  const workspaces: Record<string, WorkspaceAccess> = {};
  for (const workspace of workspaceIds) {
    const users = {} as Record<Role, LocalUser>;
    for (const role of ROLES) {
      const email = `${role}@${workspace}.local`;
      await controlPlane.services.members.invite(workspace, email, role, context);
      users[role] = await setPassword(email);
    }
    const { key } = await controlPlane.services.apiKeys.create(
      workspace,
      { name: 'local admin key', role: 'admin' },
      context,
    );
    workspaces[workspace] = { users, apiKey: key };
  }
  return { operator, workspaces };
}
