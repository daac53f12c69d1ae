/**
 * What the web console's hosts share, locally (infra/local/console.ts) and in AWS (infra/deploy/console.ts): the
 * path its files are served under and the security headers its page is served with.
 */

/** The path the console's files are served under (Vite's `base`, console/vite.config.ts). */
export const CONSOLE_PREFIX = '/console/';

/**
 * The page may load its own scripts and styles and call its own origin (the ECR endpoint), nothing else; no site
 * may frame it (a framed sign-in form could be overlaid).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
