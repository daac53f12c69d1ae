/**
 * Registry authorization tokens: GetAuthorizationToken issues base64("AWS:" + token), valid 12 hours,
 * and the OCI API accepts it as HTTP Basic credentials (user AWS). A token is HMAC-sealed with the
 * registry's signing key, so it cannot be forged and dies when the secret key is rotated.
 */
import { invalidParameter } from '../errors.ts';
import { ANY_RESOURCE } from '../domain/authorize.ts';
import { authorize } from './common.ts';
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { GetAuthorizationTokenInput } from '../model/types.ts';
import { seal, unseal } from '../domain/signed-token.ts';
import { isLoopbackHost } from '../config.ts';

export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;
/** `key`: the access key the token was issued to; `sub`: its principal's ARN (tokens before principals lack it). */
export type TokenClaims = { typ: 'registry-token'; reg: string; key: string; sub?: string; exp: number };

/** GetAuthorizationToken: one token for this registry with its expiry and proxy endpoint. */
export async function getAuthorizationToken(deps: Deps, actor: Actor, input: GetAuthorizationTokenInput) {
  await authorize(deps, actor, 'ecr:GetAuthorizationToken', ANY_RESOURCE);
  const { registryId, publicScheme } = deps.config;
  const ids: string[] = input.registryIds ?? [registryId];
  const foreign = ids.find((id) => id !== registryId);
  if (foreign) throw invalidParameter('registryIds', `registry ${foreign} is not served here; this registry is ${registryId}`);
  const expiresAt = deps.now().getTime() + TOKEN_LIFETIME_MS;
  const token = seal(deps.config.signingKey, {
    typ: 'registry-token',
    reg: registryId,
    key: actor.accessKeyId ?? '',
    sub: actor.arn,
    exp: expiresAt,
  } satisfies TokenClaims);
  const scheme = actor.via.secureTransport ? 'https' : isLoopbackHost(actor.via.host) && !deps.config.publicHost ? 'http' : publicScheme;
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${token}`).toString('base64'),
        expiresAt: new Date(expiresAt),
        proxyEndpoint: `${scheme}://${actor.via.host}`,
      },
    ],
  };
}

/** Checks HTTP Basic credentials from a docker-style client: the token's claims only for user AWS with a live token of this registry. */
export function verifyRegistryPassword(signingKey: Buffer, registryId: string, user: string, password: string, now: number): TokenClaims | undefined {
  if (user !== 'AWS') return undefined;
  const claims = unseal<TokenClaims>(signingKey, password);
  return claims && claims.typ === 'registry-token' && claims.reg === registryId && claims.exp > now ? claims : undefined;
}
