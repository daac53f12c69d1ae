/** The group handlers the local host dispatches to: the very modules the Lambdas are built from. */
import type { Deps } from '../../shared/deps.ts';
import type { Group } from '../routing.ts';
import type { Handler } from './host.ts';
import * as repositories from '../../functions/repositories/handler.ts';
import * as auth from '../../functions/auth/handler.ts';

export function groupHandlers(deps: () => Deps): Partial<Record<Group, Handler>> {
  return {
    repositories: repositories.createHandler(deps),
    auth: auth.createHandler(deps),
  };
}
