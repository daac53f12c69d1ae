/**
 * The Step Functions state machines of the deployment: one per infra/<name>.asl.json, given to
 * serverless-step-functions and named `<service>-<stage>-<name>`, so the code finds each one as
 * STATE_MACHINE_ARN_PREFIX + name (shared/jobs/sfn.ts). A Task names the Lambda it runs with the placeholder
 * `${<Folder>FunctionArn}`, Folder being the function's folder in PascalCase (`${LifecycleJobsFunctionArn}` for
 * functions/lifecycle-jobs; the local runner keys tasks by state name and ignores it). Packaging replaces it with
 * that function's ARN, and serverless-step-functions grants the machine's role lambda:InvokeFunction on exactly those.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type StateMachine = {
  /** The file's base name, e.g. lifecycle-apply for infra/lifecycle-apply.asl.json. */
  name: string;
  /** CloudFormation logical id. */
  id: string;
  /** The definition with Lambda ARNs replaced by references to the deployed functions. */
  definition: unknown;
  /** The Lambda functions its tasks run. */
  tasks: string[];
};

const PLACEHOLDER = /^\$\{([A-Za-z0-9]+)FunctionArn\}$/;

/** A folder name in PascalCase, as in the placeholders: lifecycle-jobs → LifecycleJobs. */
export const pascalCase = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/** The serverless logical id prefix of a function (its name with - and _ spelled out, capitalised). */
export function normalizedName(name: string): string {
  const spelled = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return spelled[0].toUpperCase() + spelled.slice(1);
}

/** The state machines in `infraDir`, wired to the deployed functions; throws when a task names a function that is not deployed. */
export function stateMachines(infraDir: string, functionNames: readonly string[]): StateMachine[] {
  const byPlaceholder = new Map(functionNames.map((fn) => [pascalCase(fn), fn]));
  if (!existsSync(infraDir)) return [];
  return readdirSync(infraDir)
    .filter((f) => f.endsWith('.asl.json'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.asl.json'.length);
      const tasks = new Set<string>();
      const definition = wireTasks(JSON.parse(readFileSync(join(infraDir, file), 'utf8')), (placeholder) => {
        const fn = byPlaceholder.get(placeholder);
        if (!fn) throw new Error(`infra/${file} runs \${${placeholder}FunctionArn}, but no functions/<folder>/handler.ts is named so`);
        tasks.add(fn);
        return { 'Fn::GetAtt': [`${normalizedName(fn)}LambdaFunction`, 'Arn'] };
      });
      return { name, id: `${normalizedName(name.replace(/\./g, '-'))}StateMachine`, definition, tasks: [...tasks] };
    });
}

/** Replaces every `${<Folder>FunctionArn}` string in a definition with `ref(Folder)`. */
export function wireTasks(value: unknown, ref: (placeholder: string) => unknown): unknown {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value);
    return match ? ref(match[1]) : value;
  }
  if (Array.isArray(value)) return value.map((v) => wireTasks(v, ref));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wireTasks(v, ref)]));
  }
  return value;
}
