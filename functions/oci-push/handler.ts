/** Lambda of the OCI push side (POST/PATCH/PUT/DELETE /v2/...): uploads, manifest puts, deletes. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { dispatchOci } from '../../shared/oci/dispatch.ts';
import type { OciRequest } from '../../shared/oci/http.ts';
import { ociLambdaHandler } from '../../shared/oci/lambda.ts';

export const createHandler = (deps: () => Deps) => ociLambdaHandler(deps, 'push');
/** The same routes with streamed bodies, for the local host. */
export const createStreamHandler = (deps: () => Deps) => (req: OciRequest) => dispatchOci(deps(), req, 'push');
export const handler = createHandler(depsFromEnv);
