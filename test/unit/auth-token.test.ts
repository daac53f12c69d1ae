/** The registry password GetAuthorizationToken issues, as the OCI API's Basic auth checks it. */
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../shared/config.ts';
import { getAuthorizationToken, TOKEN_LIFETIME_MS, verifyRegistryPassword } from '../../shared/registry/auth.ts';
import type { CallContext } from '../../shared/protocol/ecr-handler.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const config = configFromEnv({});

/** Prepare: a call context with only what GetAuthorizationToken reads. */
function call(overrides: Partial<CallContext> = {}): CallContext {
  const deps = { config, now: () => new Date(NOW) } as unknown as CallContext['deps'];
  return { deps, operation: 'GetAuthorizationToken', requestId: 'r', host: '127.0.0.1:5000', accessKeyId: 'test', ...overrides };
}

/** Act: issue a token and split it into Basic auth user and password. */
async function issue(): Promise<{ user: string; password: string; expiresAt: Date; proxyEndpoint: string }> {
  const out = await getAuthorizationToken({}, call());
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
    expect(verifyRegistryPassword(config.signingKey, config.registryId, user, password, NOW)).toBe(true);
    expect(verifyRegistryPassword(config.signingKey, config.registryId, user, password, NOW + TOKEN_LIFETIME_MS - 1)).toBe(true);
  });

  it('refuses the password once it has expired', async () => {
    const { password } = await issue();
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', password, NOW + TOKEN_LIFETIME_MS)).toBe(false);
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', password, NOW + TOKEN_LIFETIME_MS + 1)).toBe(false);
  });

  it('refuses a tampered password', async () => {
    const { password } = await issue();
    const [body, mac] = password.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 365 * 24 * 3600 * 1000 })).toString('base64url');
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', `${longer}.${mac}`, NOW)).toBe(false);
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', `${body}.${flipped}`, NOW)).toBe(false);
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', body, NOW)).toBe(false);
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'AWS', '', NOW)).toBe(false);
  });

  it('refuses another user name, another registry and a rotated secret key', async () => {
    const { password } = await issue();
    expect(verifyRegistryPassword(config.signingKey, config.registryId, 'admin', password, NOW)).toBe(false);
    expect(verifyRegistryPassword(config.signingKey, '111122223333', 'AWS', password, NOW)).toBe(false);
    const rotated = configFromEnv({ REGISTRY_SECRET_ACCESS_KEY: 'rotated' });
    expect(verifyRegistryPassword(rotated.signingKey, config.registryId, 'AWS', password, NOW)).toBe(false);
  });

  it('gives an http proxy endpoint on loopback and the configured scheme elsewhere', async () => {
    expect((await issue()).proxyEndpoint).toBe('http://127.0.0.1:5000');
    const out = await getAuthorizationToken({}, call({ host: 'registry.example.com' }));
    expect(out.authorizationData[0].proxyEndpoint).toBe('https://registry.example.com');
  });
});
