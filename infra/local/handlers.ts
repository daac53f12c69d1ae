/** The group handlers the local host dispatches to: the very modules the Lambdas are built from. */
import type { Deps } from '../../shared/deps.ts';
import type { Group } from '../routing.ts';
import type { Handler } from './host.ts';
import * as repositories from '../../functions/repositories/handler.ts';
import * as auth from '../../functions/auth/handler.ts';
import * as layers from '../../functions/layers/handler.ts';
import * as images from '../../functions/images/handler.ts';

export function groupHandlers(deps: () => Deps): Partial<Record<Group, Handler>> {
  return {
    repositories: repositories.createHandler(deps),
    auth: auth.createHandler(deps),
    layers: layers.createHandler(deps),
    images: images.createHandler(deps),
  };
}
