/** A field and what is wrong with it. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * An answer other than success: its HTTP status, a stable `code` clients branch on, and a message
 * a person can act on that names the field at fault.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The same answer for "no such workspace" and "not yours": nobody learns which workspaces exist. */
export const workspaceNotFound = (workspaceId: string): ApiError =>
  new ApiError(404, 'WorkspaceNotFound', `no workspace "${workspaceId}" that you are a member of`);

/** A destination in neither the workspace's draft nor its live version. */
export const destinationNotFound = (workspaceId: string, destinationId: string): ApiError =>
  new ApiError(
    404,
    'DestinationNotFound',
    `no destination "${destinationId}" in the draft or the live version of ${workspaceId}`,
  );

export const invalidRequest = (problems: readonly FieldProblem[]): ApiError =>
  new ApiError(
    400,
    'InvalidRequest',
    problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '),
    problems,
  );

/** Schema issues as problems, each naming its field: an unknown key is the field at fault. */
export function problemsOf(
  issues: readonly {
    readonly code: string;
    readonly path: readonly PropertyKey[];
    readonly message: string;
    readonly keys?: readonly string[];
  }[],
  whole: string,
): FieldProblem[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys)
      return issue.keys.map((key) => ({ field: at ? `${at}.${key}` : key, message: 'is not a field here' }));
    return [{ field: at || whole, message: issue.message }];
  });
}
