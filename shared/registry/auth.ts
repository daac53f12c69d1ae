/**
 * Registry authorization tokens: GetAuthorizationToken issues base64("AWS:" + token), valid 12 hours,
 * and the OCI API accepts it as HTTP Basic credentials (user AWS). A token is HMAC-sealed with the
 * registry's signing key, so it cannot be forged and dies when the secret key is rotated.
 */
import { InvalidParameterException } from '../errors.ts';
import type { CallContext } from '../protocol/ecr-handler.ts';
import { seal, unseal } from '../protocol/signed-token.ts';
import { isLoopbackHost } from '../config.ts';

export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;
type TokenClaims = { typ: 'registry-token'; reg: string; key: string; exp: number };

/** GetAuthorizationToken: one token for this registry with its expiry and proxy endpoint. */
export async function getAuthorizationToken(input: any, call: CallContext) {
  const { registryId, publicScheme } = call.deps.config;
  const ids: string[] = input.registryIds ?? [registryId];
  const foreign = ids.find((id) => id !== registryId);
  if (foreign) throw new InvalidParameterException(`Invalid parameter at 'registryIds' failed to satisfy constraint: 'registry ${foreign} is not served here; this registry is ${registryId}'`);
  const expiresAt = call.deps.now().getTime() + TOKEN_LIFETIME_MS;
  const token = seal(call.deps.config.signingKey, { typ: 'registry-token', reg: registryId, key: call.accessKeyId, exp: expiresAt } satisfies TokenClaims);
  const scheme = isLoopbackHost(call.host) && !call.deps.config.publicHost ? 'http' : publicScheme;
  return {
    authorizationData: [{
      authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
      expiresAt: new Date(expiresAt),
      proxyEndpoint: `${scheme}://${call.host}`,
    }],
  };
}

/** Checks HTTP Basic credentials from a docker-style client: true only for user AWS with a live token of this registry. */
export function verifyRegistryPassword(signingKey: Buffer, registryId: string, user: string, password: string, now: number): boolean {
  if (user !== 'AWS') return false;
  const claims = unseal<TokenClaims>(signingKey, password);
  return !!claims && claims.typ === 'registry-token' && claims.reg === registryId && claims.exp > now;
}
