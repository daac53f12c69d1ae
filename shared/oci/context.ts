/** What every OCI route gets: the call context the registry domain expects, and the repository it names. */
import type { CallContext } from '../protocol/ecr-handler.ts';
import type { RepositoryRecord } from '../store/types.ts';
import { requireRepository } from '../registry/common.ts';
import { OciError } from './errors.ts';
import type { OciRequest } from './http.ts';

export type OciContext = CallContext & { req: OciRequest };

/** The OCI name grammar (the same as ECR's repository names). */
const NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
/** The OCI tag grammar. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** The repository named in the path: NAME_INVALID for a malformed name, NAME_UNKNOWN when it does not exist. */
export async function repositoryOf(ctx: OciContext, name: string): Promise<RepositoryRecord> {
  if (name.length < 2 || name.length > 256 || !NAME.test(name)) throw new OciError('NAME_INVALID', `invalid repository name: ${name}`);
  try {
    return await requireRepository(ctx, name);
  } catch {
    throw new OciError('NAME_UNKNOWN', `repository ${name} not known to registry`, { name });
  }
}

/** A reference is a digest when it has an algorithm prefix. */
export const isDigestReference = (reference: string) => reference.includes(':');
