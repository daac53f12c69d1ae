/**
 * Which Lambdas the deployment has and which HTTP routes reach them, derived from the code that exists:
 * every ECR group of infra/routing.ts whose functions/<group>/handler.ts exists gets `POST /ecr/<group>`,
 * and the non-ECR functions below (OCI data plane, Step Functions task handlers) join when their folder
 * does. A new group or task handler plugs in by creating its handler.ts; serverless.yml is never edited.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GROUPS, type Group } from '../routing.ts';
import { SQL_JS } from '../../shared/scan/index/rpmdb.ts';

/** One HTTP API route: `<METHOD> <path>`, as API Gateway writes route keys. */
export type RouteKey = `${'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

export type DeployedFunction = {
  /** The serverless function name: the folder under functions/, plus the entry's suffix for extra entry points. */
  name: string;
  /** The folder under functions/ (several functions may share one, and its role). */
  folder: string;
  kind: 'ecr' | 'oci' | 'task';
  /** Path of the entry point from the project root, without extension. */
  entry: string;
  /** The exported handler. */
  export: string;
  routes: RouteKey[];
  /** serverless events besides the HTTP routes (EventBridge rules, schedules). */
  events: Record<string, unknown>[];
  /** Settings of this function that differ from the provider's (a long job's timeout, memory, /tmp size). */
  settings?: FunctionSettings;
  /** Files the bundle reads at run time, shipped in its zip at the same path from the project root. */
  files?: string[];
};

/** Per-function serverless settings: timeout in seconds, memory and ephemeral storage (/tmp) in MB. */
export type FunctionSettings = { timeout?: number; memorySize?: number; ephemeralStorageSize?: number };

/**
 * An entry point of a non-ECR folder beyond its `handler`, with what invokes it. `file` names the module under
 * functions/<folder>/ that exports it (default `handler`): an entry of its own module is bundled with only the
 * code and SDK clients it uses.
 */
export type ExtraEntry = { export: string; suffix: string; file?: string; events: Record<string, unknown>[]; settings?: FunctionSettings };

/** The key prefix of the blob bucket where users upload the OSV exports (`aws s3 cp all.zip s3://<bucket>/feeds/incoming/Debian/all.zip`). */
export const FEED_PREFIX = 'feeds/incoming/';

/**
 * The feed import: Lambda's maximum timeout, and /tmp sized for one all.zip of a few GB at a time (each
 * export is copied there for random access, then deleted); the shards being built are held in memory.
 */
export const FEED_IMPORT_SETTINGS: FunctionSettings = { timeout: 900, memorySize: 3008, ephemeralStorageSize: 10240 };

const OCI = '/v2/{proxy+}';

/** EventBridge pattern of a successful push, as shared/events/eventbridge.ts publishes it. */
export const PUSH_PATTERN = { source: ['serverless-ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } };
/** EventBridge pattern of a successful deletion (an image or a tag): replicated when REPLICATION_SYNC_DELETES=1. */
export const DELETE_PATTERN = { source: ['serverless-ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['DELETE'], result: ['SUCCESS'] } };
/** Marks where the registry's event bus goes in an eventBridge event (filled in by serverless-parts.ts). */
export const REGISTRY_BUS = '<registry event bus>';

/**
 * The functions that are not ECR operation groups. The OCI API is split by method: reads (GET/HEAD) go to
 * oci-pull, writes to oci-push, which also gives each its own narrower IAM role. Any other folder under
 * functions/ is a task handler (its `handler` runs the Task states of infra/*.asl.json), whose other entry
 * points, listed here, are invoked by EventBridge rules and schedules.
 */
export const NON_ECR: Readonly<
  Record<string, { routes?: RouteKey[]; entries?: ExtraEntry[] /** Shipped with the folder's `handler` only. */; files?: string[] }>
> = {
  'oci-pull': { routes: ['GET /v2', 'HEAD /v2', `GET ${OCI}`, `HEAD ${OCI}`] },
  'oci-push': { routes: [`POST ${OCI}`, `PUT ${OCI}`, `PATCH ${OCI}`, `DELETE ${OCI}`] },
  'lifecycle-jobs': {
    entries: [
      { export: 'onImageAction', suffix: 'on-push', events: [{ eventBridge: { eventBus: REGISTRY_BUS, pattern: PUSH_PATTERN } }] },
      { export: 'onSchedule', suffix: 'daily', events: [{ schedule: 'rate(1 day)' }] },
    ],
  },
  'replication-jobs': {
    entries: [
      { export: 'onImageAction', suffix: 'on-push', file: 'on-push', events: [{ eventBridge: { eventBus: REGISTRY_BUS, pattern: PUSH_PATTERN } }] },
      { export: 'onImageDelete', suffix: 'on-delete', file: 'on-delete', events: [{ eventBridge: { eventBus: REGISTRY_BUS, pattern: DELETE_PATTERN } }] },
    ],
  },
  'signing-jobs': {
    entries: [{ export: 'onImageAction', suffix: 'on-push', file: 'on-push', events: [{ eventBridge: { eventBus: REGISTRY_BUS, pattern: PUSH_PATTERN } }] }],
  },
  // Starts a garbage collection run when marks are due or the sweep is (shared/gc/triggers.ts).
  'gc-jobs': { entries: [{ export: 'onTick', suffix: 'tick', events: [{ schedule: 'rate(1 minute)' }] }] },
  'scanning-jobs': {
    // SQLite for rpm databases (sql.js's script and wasm), read from these files on first use rather than bundled.
    files: [`node_modules/${SQL_JS.script}`, `node_modules/${SQL_JS.wasm}`],
    entries: [
      { export: 'onImageAction', suffix: 'on-push', file: 'on-push', events: [{ eventBridge: { eventBus: REGISTRY_BUS, pattern: PUSH_PATTERN } }] },
      // Imports the OSV exports under FEED_PREFIX of the blob bucket when they changed.
      {
        export: 'onFeedSchedule',
        suffix: 'feed-import',
        file: 'feed-import',
        events: [{ schedule: 'rate(1 hour)' }],
        settings: FEED_IMPORT_SETTINGS,
      },
    ],
  },
};

/** The path an ECR group is routed to behind the CloudFront function. */
export const ecrPath = (group: Group): `/${string}` => `/ecr/${group}`;

/** The functions to deploy: those whose functions/<folder>/handler.ts exists under `root`, ECR groups first. */
export function deployedFunctions(root: string): DeployedFunction[] {
  const has = (name: string) => existsSync(join(root, 'functions', name, 'handler.ts'));
  const ecr: DeployedFunction[] = GROUPS.filter(has).map((group) => ({
    name: group,
    folder: group,
    kind: 'ecr',
    entry: `functions/${group}/handler`,
    export: 'handler',
    routes: [`POST ${ecrPath(group)}`],
    events: [],
  }));
  const dirs = existsSync(join(root, 'functions')) ? readdirSync(join(root, 'functions')).sort() : [];
  const others = dirs
    .filter((name) => !(GROUPS as readonly string[]).includes(name) && has(name))
    .flatMap((folder): DeployedFunction[] => {
      const spec = NON_ECR[folder] ?? {};
      const base = {
        folder,
        kind: spec.routes ? ('oci' as const) : ('task' as const),
        entry: `functions/${folder}/handler`,
      };
      return [
        { ...base, name: folder, export: 'handler', routes: spec.routes ?? [], events: [], ...(spec.files ? { files: spec.files } : {}) },
        ...(spec.entries ?? []).map((e) => ({
          ...base,
          name: `${folder}-${e.suffix}`,
          entry: `functions/${folder}/${e.file ?? 'handler'}`,
          export: e.export,
          routes: [],
          events: e.events,
          ...(e.settings ? { settings: e.settings } : {}),
        })),
      ];
    });
  return [...ecr, ...others];
}

/** The ECR groups among the deployed functions. */
export function deployedGroups(functions: DeployedFunction[]): Group[] {
  return functions.filter((f) => f.kind === 'ecr').map((f) => f.name as Group);
}
