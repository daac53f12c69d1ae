/** The `jobs` part: state machines started on Step Functions (STATE_MACHINE_ARN_PREFIX). */
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Config } from '../config.ts';
import { SfnJobStarter } from '../jobs/sfn.ts';
import { type JobStarter, UnconfiguredJobStarter } from '../jobs/starter.ts';

/** Builds the Step Functions starter, or one that refuses every start when no state machines are configured. */
export function sfnJobs(config: Config): JobStarter {
  return config.stateMachineArnPrefix
    ? new SfnJobStarter(new SFNClient({ region: config.region }), config.stateMachineArnPrefix)
    : new UnconfiguredJobStarter();
}
