/**
 * The console's security headers, one definition for CloudFront's response headers policy and
 * the local console server, so what is tested locally is what is deployed.
 */

/** The directives of the console's Content-Security-Policy, but for where it may connect. */
const CONTENT_SECURITY_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  // Cloudscape sets element styles at run time (positions of popovers, charts).
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/**
 * The policy for a console that calls `connectSources` (the API, Cognito) besides its own origin.
 */
export function consoleContentSecurityPolicy(connectSources: readonly string[]): string {
  return [...CONTENT_SECURITY_DIRECTIVES, `connect-src 'self' ${connectSources.join(' ')}`.trim()].join('; ');
}

/** Two years, with subdomains: the HSTS preload list's minimum. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/** The headers every answer of the console carries, as the local server sends them. */
export function consoleSecurityHeaders(connectSources: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': consoleContentSecurityPolicy(connectSources),
    'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains; preload`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** Cache-Control: hashed assets never change; the page and its configuration are read fresh. */
export function consoleCacheControl(path: string): string {
  return path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}
