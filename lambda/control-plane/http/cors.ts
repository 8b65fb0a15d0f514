/**
 * Cross-origin answers for the web console, which is served from its own origin (CloudFront) and
 * calls the API from the browser. API Gateway answers the preflight itself; a proxied answer
 * carries its CORS headers only if the function adds them, so it does, for listed origins only.
 */

/** The preflight as API Gateway is configured to answer it (lib/constructs/control-plane.ts). */
export const CORS_PREFLIGHT = {
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowHeaders: ['Authorization', 'Content-Type', 'If-Match'],
  /** The console reads a live version's `ETag` to publish with `If-Match`. */
  exposeHeaders: ['ETag'],
  maxAgeSeconds: 3600,
} as const;

/**
 * The headers that let a browser at `origin` read this answer: none for an origin not listed
 * (the browser then refuses to show it to the page), and `Vary: Origin` whenever origins are
 * listed, so no cache serves one origin's answer to another.
 */
export function corsHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (allowedOrigins.length === 0) return {};
  if (!origin || !allowedOrigins.includes(origin)) return { vary: 'Origin' };
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': CORS_PREFLIGHT.exposeHeaders.join(','),
    vary: 'Origin',
  };
}

/** `ALLOWED_ORIGINS`: comma-separated, as the construct writes it. */
export function parseAllowedOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}
