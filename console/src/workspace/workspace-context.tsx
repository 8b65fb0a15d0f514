import { createContext, type ReactNode, useContext } from 'react';
import type { Schemas } from '../api/client';

export type Role = Schemas['Me']['workspaces'][number]['role'];

export interface WorkspaceAccess {
  readonly workspace: string;
  readonly role: Role;
  /** Editors and admins change destinations, mappings and versions; viewers only look. */
  readonly canEdit: boolean;
  /** Admins manage members and API keys. */
  readonly isAdmin: boolean;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** What `me` may do in `workspace`; undefined when they are not a member (operators act as admins). */
export function accessTo(me: Schemas['Me'], workspace: string): WorkspaceAccess | undefined {
  const role: Role | undefined = me.operator
    ? 'admin'
    : me.workspaces.find((membership) => membership.workspace === workspace)?.role;
  if (!role) return undefined;
  return { workspace, role, canEdit: RANK[role] >= RANK.editor, isAdmin: role === 'admin' };
}

const WorkspaceContext = createContext<WorkspaceAccess | undefined>(undefined);

export function WorkspaceProvider({ access, children }: { access: WorkspaceAccess; children: ReactNode }) {
  return <WorkspaceContext.Provider value={access}>{children}</WorkspaceContext.Provider>;
}

/** The workspace the page is in, and the signed-in person's role there. */
export function useWorkspace(): WorkspaceAccess {
  const access = useContext(WorkspaceContext);
  if (!access) throw new Error('useWorkspace outside a workspace route');
  return access;
}
