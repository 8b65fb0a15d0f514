import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import { ApiError } from '../api/client';

/**
 * `fetch`'s own failure, before any answer: the network, DNS, TLS or CORS. Browsers say it each in
 * their words ("Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed").
 */
const isNetworkFailure = (error: Error): boolean =>
  !(error instanceof ApiError) &&
  error instanceof TypeError &&
  /fetch|network|load failed/i.test(error.message);

/**
 * An API refusal as an alert: its message, the fields at fault, and the request id to quote. When the
 * API could not be reached at all, says so in words, the browser's own message below in small.
 */
export function ApiErrorAlert({ error, header }: { error: Error | undefined; header?: string }) {
  if (!error) return null;
  const problems = error instanceof ApiError ? error.problems : [];
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <Alert type="error" header={header ?? (error instanceof ApiError ? error.code : 'Something went wrong')}>
      {isNetworkFailure(error) ? (
        <>
          The API could not be reached: check your connection and try again.
          <Box variant="small" display="block">
            {error.message}
          </Box>
        </>
      ) : (
        error.message
      )}
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
