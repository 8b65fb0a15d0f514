import Alert from '@cloudscape-design/components/alert';
import { ApiError } from '../api/client';

/** An API refusal as an alert: its message, the fields at fault, and the request id to quote. */
export function ApiErrorAlert({ error, header }: { error: Error | undefined; header?: string }) {
  if (!error) return null;
  const problems = error instanceof ApiError ? error.problems : [];
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <Alert type="error" header={header ?? (error instanceof ApiError ? error.code : 'Something went wrong')}>
      {error.message}
      {problems.length > 0 && (
        <ul>
          {problems.map((problem) => (
            <li key={`${problem.field}:${problem.message}`}>
              <code>{problem.field}</code>: {problem.message}
            </li>
          ))}
        </ul>
      )}
      {requestId && <div>Request id: {requestId}</div>}
    </Alert>
  );
}
