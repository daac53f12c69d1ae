/**
 * What every OCI route gets: the deps, the actor the token names, the request, and the repository name of the
 * path (checked against the OCI name grammar). Routes only adapt HTTP: they call one domain function with
 * (deps, actor, args) and write its result as the spec's response.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { OciError } from './errors.ts';
import type { OciRequest } from './http.ts';

export type OciContext = { deps: Deps; actor: Actor; req: OciRequest };

/** The OCI name grammar (the same as ECR's repository names). */
const NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** The OCI tag grammar. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The repository name of the path, or NAME_INVALID when it breaks the grammar. */
export function checkName(name: string): string {
  if (name.length < 2 || name.length > 256 || !NAME.test(name)) throw new OciError('NAME_INVALID', `invalid repository name: ${name}`);
  return name;
}

/** A reference is a digest when it has an algorithm prefix. */
export const isDigestReference = (reference: string) => reference.includes(':');

/** The image identifier a manifest reference names. */
export const imageIdOf = (reference: string) => (isDigestReference(reference) ? { imageDigest: reference } : { imageTag: reference });
