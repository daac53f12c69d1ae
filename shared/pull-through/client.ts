/**
 * An OCI distribution client for one upstream registry, over Node's fetch: anonymous, HTTP Basic, and the bearer
 * token challenge of distribution's token spec (`WWW-Authenticate: Bearer realm=...,service=...,scope=...`, the
 * token fetched with the credential, kept until it expires). Answers are returned as they come; the caller
 * interprets the status.
 */
import { createHash } from 'node:crypto';
import type { UpstreamCredential } from './secrets.ts';

/** How long a token without `expires_in` is used (the token spec's default: 60 seconds). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is renewed this long before it expires. */
const TOKEN_MARGIN_MS = 5_000;
/** The longest wait for an upstream's answer headers. */
const UPSTREAM_TIMEOUT_MS = 30_000;

/** What one upstream said: a failure to reach it, or a refusal, as text for ValidatePullThroughCacheRule and the logs. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

type Challenge = { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string; scope?: string };

/** Tokens by upstream, user and scope, shared by every client of the process. */
const tokens = new Map<string, { token: string; expiresAt: number }>();
/** Upstreams known to want Basic credentials on every request (so the first request carries them). */
const basicUpstreams = new Set<string>();

/** A client of one upstream with one credential (or none); its tokens and the upstream's scheme are shared process-wide. */
export class UpstreamClient {
  constructor(
    readonly baseUrl: string,
    private readonly credential: UpstreamCredential | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** GET or HEAD `path` (under /v2/) of repository `repository`, authenticating as the upstream asks. */
  async request(method: 'GET' | 'HEAD', path: string, repository: string | undefined, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const scope = repository === undefined ? undefined : `repository:${repository}:pull`;
    const first = await this.send(method, url, { ...headers, ...this.knownAuthorization(scope) });
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers.get('www-authenticate'));
    await first.body?.cancel();
    if (!challenge) throw new UpstreamError(`${this.baseUrl} refused the request (401) without a challenge this registry understands`, 401);
    const authorization = await this.authorizationFor(challenge, scope);
    if (!authorization) throw new UpstreamError(`${this.baseUrl} requires authentication and the rule names no credential`, 401);
    const second = await this.send(method, url, { ...headers, authorization });
    if (second.status === 401) {
      await second.body?.cancel();
      throw new UpstreamError(`${this.baseUrl} refused the credential (401)`, 401);
    }
    return second;
  }

  /** Authenticates against the upstream's base endpoint (GET /v2/), as ValidatePullThroughCacheRule does; throws UpstreamError when refused. */
  async check(): Promise<void> {
    const res = await this.request('GET', '/v2/', undefined);
    await res.body?.cancel();
    if (!res.ok) throw new UpstreamError(`${this.baseUrl} answered ${res.status} to GET /v2/`, res.status);
  }

  private async send(method: string, url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, { method, headers, redirect: 'follow', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    } catch (e) {
      throw new UpstreamError(`${this.baseUrl} could not be reached: ${(e as Error).cause ?? (e as Error).message}`);
    }
  }

  private basic(): string | undefined {
    const c = this.credential;
    return c?.username !== undefined && c.accessToken !== undefined ? `Basic ${Buffer.from(`${c.username}:${c.accessToken}`).toString('base64')}` : undefined;
  }

  /** The token cache's key: upstream, scope, and a hash of the credential (never the credential itself). */
  private tokenKey(scope: string | undefined) {
    const who = createHash('sha256')
      .update(`${this.credential?.username ?? ''}\u0000${this.credential?.accessToken ?? ''}`)
      .digest('hex');
    return `${this.baseUrl}|${who}|${scope ?? ''}`;
  }

  /** What the first request carries: Basic for an upstream known to want it, a token still valid for the scope, or nothing. */
  private knownAuthorization(scope: string | undefined): Record<string, string> {
    const basic = this.basic();
    if (basic && basicUpstreams.has(this.baseUrl)) return { authorization: basic };
    const token = tokens.get(this.tokenKey(scope));
    return token && token.expiresAt > this.now() ? { authorization: `Bearer ${token.token}` } : {};
  }

  private async authorizationFor(challenge: Challenge, scope: string | undefined): Promise<string | undefined> {
    if (challenge.scheme === 'basic') {
      const basic = this.basic();
      if (basic) basicUpstreams.add(this.baseUrl);
      return basic;
    }
    const wanted = scope ?? challenge.scope;
    const realm = new URL(challenge.realm);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    if (wanted) realm.searchParams.set('scope', wanted);
    const basic = this.basic();
    let res: Response;
    try {
      res = await fetch(realm, { headers: basic ? { authorization: basic } : {}, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    } catch (e) {
      throw new UpstreamError(`the token service ${realm.origin} could not be reached: ${(e as Error).cause ?? (e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!res.ok || !token) throw new UpstreamError(`the token service ${realm.origin} refused the credential (${res.status})`, res.status);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    tokens.set(this.tokenKey(scope), { token, expiresAt: this.now() + seconds * 1000 - TOKEN_MARGIN_MS });
    return `Bearer ${token}`;
  }
}

/** The first challenge of a WWW-Authenticate header this client can answer (Bearer with a realm, or Basic). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params[p[1].toLowerCase()] = (p[2] ?? p[3]).replace(/\\(.)/g, '$1');
  if (!params.realm) return undefined;
  return { scheme: 'bearer', realm: params.realm, ...(params.service ? { service: params.service } : {}), ...(params.scope ? { scope: params.scope } : {}) };
}
