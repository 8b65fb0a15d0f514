/** How far ahead a key may expire: the API refuses more (`MAX_KEY_DAYS` in routes/access.ts). */
const MAX_KEY_DAYS = 366;
const DAY_MS = 86_400_000;

/** `2030-01-31` → the end of that day in the reader's time zone, as the ISO time the API takes. */
export function expiryAt(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(year, month - 1, day, 23, 59, 59, 999).toISOString();
}

/** Whether a key may expire at the end of `day`: after `now`, and no later than the API allows. */
export function isExpiryDayAllowed(day: Date, now: Date = new Date()): boolean {
  const end = new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 59, 999).getTime();
  return end > now.getTime() && end <= now.getTime() + MAX_KEY_DAYS * DAY_MS;
}
