/** An ISO time as the reader's locale writes it; what the API gave when it is not a time. */
export function formatTime(iso: string | null | undefined, absent = '-'): string {
  if (!iso) return absent;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toLocaleString();
}

/** An API time in the reader's locale and time zone, the exact ISO time on hover. */
export function Timestamp({ at, absent = '—' }: { at: string | undefined; absent?: string }) {
  if (!at) return <>{absent}</>;
  return (
    <time dateTime={at} title={at}>
      {formatTime(at)}
    </time>
  );
}
