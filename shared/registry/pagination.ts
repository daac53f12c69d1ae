/**
 * ECR pagination tokens: opaque, HMAC-sealed, and bound to the listing they came from (operation and
 * repository incarnation), so a token can be neither forged nor replayed to read another repository.
 */
import { InvalidParameterException } from '../errors.ts';
import type { CallContext } from '../protocol/ecr-handler.ts';
import { seal, unseal } from '../protocol/signed-token.ts';

type Sealed<T> = { s: string; c: T };

/** A nextToken continuing `cursor` within `scope`. */
export function nextToken<T>(call: CallContext, scope: string, cursor: T): string {
  return seal(call.deps.config.signingKey, { s: `${call.operation}#${scope}`, c: cursor } satisfies Sealed<T>);
}

/** The cursor a nextToken carries, or InvalidParameterException for a token not made for this listing. */
export function readToken<T>(call: CallContext, scope: string, token: string | undefined): T | undefined {
  if (token === undefined) return undefined;
  const sealed = unseal<Sealed<T>>(call.deps.config.signingKey, token);
  if (!sealed || sealed.s !== `${call.operation}#${scope}`) {
    throw new InvalidParameterException("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken provided'");
  }
  return sealed.c;
}
