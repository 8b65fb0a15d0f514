import { useCallback, useState } from 'react';
import { ApiError } from '../api/client';

export interface Submission {
  /** True while the change is on its way: the submit button shows it and cannot be pressed twice. */
  readonly busy: boolean;
  /** The API's refusal of the last attempt, kept until the next one. */
  readonly error: Error | undefined;
  /** Sends the change; a refusal lands in `error` instead of throwing. */
  submit(send: () => Promise<void>): Promise<void>;
}

/** One form's change at a time, with the API's refusal kept to show next to the form. */
export function useSubmission(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const submit = useCallback(async (send: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await send();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, submit };
}

/** The API's words about one request field, for that form field's error text. */
export function problemWith(error: Error | undefined, field: string): string | undefined {
  return error instanceof ApiError ? error.problemWith(field) : undefined;
}
