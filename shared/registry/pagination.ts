/**
 * ECR pagination tokens: opaque, HMAC-sealed, and bound to the listing they came from (operation and
 * repository incarnation), so a token can be neither forged nor replayed to read another repository.
 */
import type { Deps } from '../deps.ts';
import { invalidParameter } from '../errors.ts';
import { seal, unseal } from '../domain/signed-token.ts';

type Sealed<T> = { s: string; c: T };

/** A nextToken continuing `cursor` of `listing` (the operation) within `scope`. */
export function nextToken<T>(deps: Deps, listing: string, scope: string, cursor: T): string {
  return seal(deps.config.signingKey, { s: `${listing}#${scope}`, c: cursor } satisfies Sealed<T>);
}

/** The cursor a nextToken carries, or InvalidParameterException for a token not made for this listing. */
export function readToken<T>(deps: Deps, listing: string, scope: string, token: string | undefined): T | undefined {
  if (token === undefined) return undefined;
  const sealed = unseal<Sealed<T>>(deps.config.signingKey, token);
  if (!sealed || sealed.s !== `${listing}#${scope}`) throw invalidParameter('nextToken', 'Invalid NextToken provided');
  return sealed.c;
}
