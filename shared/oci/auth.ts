/**
 * OCI API authentication, as ECR's: HTTP Basic with user `AWS` and the password GetAuthorizationToken issued.
 * Nothing is served anonymously; a missing, expired or forged token gets 401 with a Basic challenge. The token's
 * principal is the actor of every domain call the request makes.
 */
import type { Deps } from '../deps.ts';
import { principalActor, type Actor, type Via } from '../domain/actor.ts';
import { verifyRegistryPassword } from '../registry/auth.ts';
import { OciError } from './errors.ts';

/** The actor of a request whose Authorization header carries a live token of this registry; UNAUTHORIZED otherwise. */
export function authenticate(deps: Deps, authorization: string | undefined, via: Via): Actor {
  const challenge = { 'www-authenticate': `Basic realm="${via.host}"` };
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match)
    throw new OciError('UNAUTHORIZED', 'authentication required: log in with the password from GetAuthorizationToken (user AWS)', undefined, 401, challenge);
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const { signingKey, registryId } = deps.config;
  const claims = verifyRegistryPassword(signingKey, registryId, user, password, deps.now().getTime());
  if (!claims) {
    throw new OciError(
      'UNAUTHORIZED',
      'authentication failed: the token is invalid or has expired; get a new one with GetAuthorizationToken',
      undefined,
      401,
      challenge,
    );
  }
  // The token's principal must still exist: removing a principal from the principals file ends its tokens at once.
  const directory = deps.principals.directory();
  const principal = claims.sub !== undefined ? directory.byArn(claims.sub) : directory.byKey(claims.key)?.principal;
  if (!principal)
    throw new OciError('UNAUTHORIZED', 'authentication failed: the principal this token was issued to no longer exists', undefined, 401, challenge);
  return principalActor(principal, claims.key, via);
}
