/** JobStarter on AWS Step Functions: machine `<name>` is the state machine `STATE_MACHINE_ARN_PREFIX<name>`. */
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { JobStarter } from './starter.ts';
import { recordJob } from '../observe/requests.ts';

export class SfnJobStarter implements JobStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly arnPrefix: string,
  ) {}

  /** Starts an execution; the input must fit Step Functions' 256 KB payload limit. */
  async start(machine: string, input: Record<string, unknown>) {
    const out = await this.client.send(new StartExecutionCommand({ stateMachineArn: `${this.arnPrefix}${machine}`, input: JSON.stringify(input) }));
    // Its end line is logged by the Task state that ends the run (its `job` parameter, taskHandler in ./starter.ts).
    recordJob({ phase: 'start', machine, executionArn: out.executionArn! });
    return { executionArn: out.executionArn! };
  }
}
