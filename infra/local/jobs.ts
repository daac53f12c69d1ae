/**
 * The state machines the local registry runs in process, each with the tasks of its Task states: the very
 * functions the task Lambdas serve. To add a machine, add its line here (see shared/jobs/starter.ts).
 */
import type { Deps } from '../../shared/deps.ts';
import { LocalJobStarter, type LocalJobOptions } from '../../shared/jobs/local.ts';
import type { Tasks } from '../../shared/jobs/starter.ts';
import * as gcJobs from '../../functions/gc-jobs/handler.ts';
import * as lifecycleJobs from '../../functions/lifecycle-jobs/handler.ts';
import * as replicationJobs from '../../functions/replication-jobs/handler.ts';
import * as scanningJobs from '../../functions/scanning-jobs/handler.ts';
import * as signingJobs from '../../functions/signing-jobs/handler.ts';

/** Machine name (infra/<name>.asl.json) → its tasks keyed by state name. */
export function localMachines(deps: () => Deps): Record<string, Tasks> {
  const lifecycle = lifecycleJobs.createTasks(deps);
  return {
    'lifecycle-preview': lifecycle,
    'lifecycle-apply': lifecycle,
    scan: scanningJobs.createTasks(deps),
    replicate: replicationJobs.createTasks(deps),
    'replication-backfill': replicationJobs.createTasks(deps),
    sign: signingJobs.createTasks(deps),
    gc: gcJobs.createTasks(deps),
  };
}

/** The local job runner over every machine above. */
export function localJobStarter(deps: () => Deps, options: Omit<LocalJobOptions, 'region' | 'accountId'> = {}): LocalJobStarter {
  const config = deps().config;
  return new LocalJobStarter(localMachines(deps), { region: config.region, accountId: config.registryId, ...options });
}
