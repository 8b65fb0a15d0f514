/** An API time in the reader's locale and time zone, the exact ISO time on hover. */
export function Timestamp({ at, absent = '—' }: { at: string | undefined; absent?: string }) {
  if (!at) return <>{absent}</>;
  return (
    <time dateTime={at} title={at}>
      {new Date(at).toLocaleString()}
    </time>
  );
}
