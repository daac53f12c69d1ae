/** Lambda of the OCI pull side (GET/HEAD /v2/...): manifests, blobs, tags, catalog, referrers. */
import { depsFromEnv, type Deps } from '../../shared/deps.ts';
import { dispatchOci } from '../../shared/oci/dispatch.ts';
import type { OciRequest } from '../../shared/oci/http.ts';
import { ociLambdaHandler } from '../../shared/oci/lambda.ts';

export const createHandler = (deps: () => Deps) => ociLambdaHandler(deps, 'pull');
/** The same routes with streamed bodies, for the local host. */
export const createStreamHandler = (deps: () => Deps) => (req: OciRequest) => dispatchOci(deps(), req, 'pull');
export const handler = createHandler(depsFromEnv);
