/** The group handlers the local host dispatches to: the very modules the Lambdas are built from. */
import type { Deps } from '../../shared/deps.ts';
import type { Group } from '../routing.ts';
import type { HttpEvent, HttpResult } from '../../shared/protocol/http.ts';
import type { OciRequest, OciResponse } from '../../shared/oci/http.ts';
import * as ociPull from '../../functions/oci-pull/handler.ts';
import * as ociPush from '../../functions/oci-push/handler.ts';
import * as repositories from '../../functions/repositories/handler.ts';
import * as auth from '../../functions/auth/handler.ts';
import * as layers from '../../functions/layers/handler.ts';
import * as images from '../../functions/images/handler.ts';
import * as lifecycle from '../../functions/lifecycle/handler.ts';
import * as scanning from '../../functions/scanning/handler.ts';
import * as registry from '../../functions/registry/handler.ts';
import * as cache from '../../functions/cache/handler.ts';

/** A group's Lambda handler, as the local host calls it. */
export type Handler = (event: HttpEvent, context: any) => Promise<HttpResult>;

/** Each group's handler, built over the given deps. */
export function groupHandlers(deps: () => Deps): Partial<Record<Group, Handler>> {
  return {
    repositories: repositories.createHandler(deps),
    auth: auth.createHandler(deps),
    layers: layers.createHandler(deps),
    images: images.createHandler(deps),
    lifecycle: lifecycle.createHandler(deps),
    scanning: scanning.createHandler(deps),
    registry: registry.createHandler(deps),
    cache: cache.createHandler(deps),
  };
}

/** The OCI sides the local host dispatches to, with streamed bodies. */
export function ociHandlers(deps: () => Deps): Record<'pull' | 'push', (req: OciRequest) => Promise<OciResponse>> {
  return { pull: ociPull.createStreamHandler(deps), push: ociPush.createStreamHandler(deps) };
}
