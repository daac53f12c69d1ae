/** Lambda of the OCI pull side (GET/HEAD /v2/...): manifests, blobs, tags, catalog, referrers. */
import type { Deps } from '../../shared/deps.ts';
import { lambdaDeps } from '../../shared/deps/lambda.ts';
import type { DepsParts } from '../../shared/deps/parts.ts';
import { dynamoStores } from '../../shared/deps/dynamo.ts';
import { s3Blobs } from '../../shared/deps/s3.ts';
import { eventBridgeEvents } from '../../shared/deps/eventbridge.ts';
import { dispatchOci } from '../../shared/oci/dispatch.ts';
import type { OciRequest } from '../../shared/oci/http.ts';
import { ociLambdaHandler } from '../../shared/oci/lambda.ts';

/** The clients this function builds (its row in infra/deploy/permissions.ts): stores, blobs, events (a pull through cache import publishes its PUSH event). */
export const parts: DepsParts = { stores: dynamoStores, blobs: s3Blobs, events: eventBridgeEvents };
const fromEnv = lambdaDeps(parts);

export const createHandler = (deps: () => Deps) => ociLambdaHandler(deps, 'pull');
/** The same routes with streamed bodies, for the local host. */
export const createStreamHandler = (deps: () => Deps) => (req: OciRequest) => dispatchOci(deps(), req, 'pull');
export const handler = createHandler(fromEnv);
