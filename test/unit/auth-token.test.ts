/** The registry password GetAuthorizationToken issues, as the OCI API's Basic auth checks it. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../shared/config.ts';
import { getAuthorizationToken, TOKEN_LIFETIME_MS, verifyRegistryPassword } from '../../shared/registry/auth.ts';
import type { Deps } from '../../shared/deps.ts';
import { allowAuthenticated } from '../../shared/domain/authorize.ts';
import { principalActor, rootPrincipal, type Via } from '../../shared/domain/actor.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const config = configFromEnv({});

/** Prepare: deps with only what GetAuthorizationToken reads, and the caller as the default key authenticates it. */
const deps = { config, now: () => new Date(NOW), authorizer: allowAuthenticated } as unknown as Deps;
const actor = (via: Partial<Via> = {}) => principalActor(rootPrincipal(config), 'test', { requestId: 'r', host: '127.0.0.1:5000', ...via });
/** Whether a password verifies (the verifier returns the token's claims, or undefined). */
const verifies = (...args: Parameters<typeof verifyRegistryPassword>) => verifyRegistryPassword(...args) !== undefined;

/** Act: issue a token and split it into Basic auth user and password. */
async function issue(): Promise<{ user: string; password: string; expiresAt: Date; proxyEndpoint: string }> {
  const out = await getAuthorizationToken(deps, actor(), {});
  const [data] = out.authorizationData;
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1), expiresAt: data.expiresAt, proxyEndpoint: data.proxyEndpoint };
}

describe('registry authorization tokens', () => {
  it('issues a password for user AWS that verifies until it expires 12 hours later', async () => {
    const { user, password, expiresAt } = await issue();
    expect(user).toBe('AWS');
    expect(expiresAt.getTime()).toBe(NOW + TOKEN_LIFETIME_MS);
    expect(TOKEN_LIFETIME_MS).toBe(12 * 3600 * 1000);
    expect(verifies(config.signingKey, config.registryId, user, password, NOW)).toBe(true);
    expect(verifies(config.signingKey, config.registryId, user, password, NOW + TOKEN_LIFETIME_MS - 1)).toBe(true);
  });

  it('names the principal it was issued to', async () => {
    const { password } = await issue();
    const claims = verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', password, NOW);
    expect(claims).toMatchObject({ key: 'test', sub: `arn:aws:iam::${config.registryId}:root` });
  });

  it('refuses the password once it has expired', async () => {
    const { password } = await issue();
    expect(verifies(config.signingKey, config.registryId, 'AWS', password, NOW + TOKEN_LIFETIME_MS)).toBe(false);
    expect(verifies(config.signingKey, config.registryId, 'AWS', password, NOW + TOKEN_LIFETIME_MS + 1)).toBe(false);
  });

  it('refuses a tampered password', async () => {
    const { password } = await issue();
    const [body, mac] = password.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 365 * 24 * 3600 * 1000 })).toString('base64url');
    expect(verifies(config.signingKey, config.registryId, 'AWS', `${longer}.${mac}`, NOW)).toBe(false);
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    expect(verifies(config.signingKey, config.registryId, 'AWS', `${body}.${flipped}`, NOW)).toBe(false);
    expect(verifies(config.signingKey, config.registryId, 'AWS', body, NOW)).toBe(false);
    expect(verifies(config.signingKey, config.registryId, 'AWS', '', NOW)).toBe(false);
  });

  it('refuses another user name, another registry and a rotated secret key', async () => {
    const { password } = await issue();
    expect(verifies(config.signingKey, config.registryId, 'admin', password, NOW)).toBe(false);
    expect(verifies(config.signingKey, '111122223333', 'AWS', password, NOW)).toBe(false);
    const rotated = configFromEnv({ REGISTRY_SECRET_ACCESS_KEY: 'rotated' });
    expect(verifies(rotated.signingKey, config.registryId, 'AWS', password, NOW)).toBe(false);
  });

  it('gives an http proxy endpoint on loopback and the configured scheme elsewhere', async () => {
    expect((await issue()).proxyEndpoint).toBe('http://127.0.0.1:5000');
    const out = await getAuthorizationToken(deps, actor({ host: 'registry.example.com' }), {});
    expect(out.authorizationData[0].proxyEndpoint).toBe('https://registry.example.com');
  });
});
