/**
 * The whole local registry: the embedded stack plus the host, configured from the environment. The host's port is
 * the only socket it opens to the network (the embedded table is on a unix socket in the data directory).
 * Used by `npm start` (infra/local/start.ts), the tests and the benchmarks. The environment is read by
 * shared/config.ts (localConfigFromEnv).
 */
import { logger, logLevel } from '../../shared/observe/logger.ts';
import { resolve } from 'node:path';
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, isLoopbackHost, localConfigFromEnv, type Config } from '../../shared/config.ts';
import { createDeps, type Deps } from '../../shared/deps.ts';
import { InProcessBus } from '../../shared/events/publisher.ts';
import type { LocalJobOptions, LocalJobStarter } from '../../shared/jobs/local.ts';
import { DEFAULT_TRIGGERS, LocalLifecycleTriggers, type TriggerOptions } from '../../shared/lifecycle/triggers.ts';
import { LocalReplicationTriggers } from '../../shared/replication/triggers.ts';
import { LocalScanTriggers } from '../../shared/scan/triggers.ts';
import { LocalSigningTriggers } from '../../shared/signing/triggers.ts';
import { LocalGcTrigger } from '../../shared/gc/triggers.ts';
import { localJobStarter } from './jobs.ts';
import { startEmbeddedStack } from './stack.ts';
import { startHost } from './host.ts';

export type LocalRegistry = {
  endpoint: string;
  port: number;
  deps: Deps;
  bus: InProcessBus;
  config: Config;
  jobs: LocalJobStarter;
  /** Stops it all; requests in flight get `graceMs` to finish (default 0: they are cut). */
  stop(options?: { graceMs?: number }): Promise<void>;
};

export type LocalOptions = {
  dataDir?: string;
  port?: number;
  hostname?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The registry's clock (push times, lifecycle ages, signature skew); the system clock by default. */
  now?: () => Date;
  /** Pause before each state machine retry, in ms, instead of the definitions' (tests). */
  jobRetryIntervalMs?: number;
  /** Runs each state machine task (tests: to attribute its AWS calls to the task's function). */
  aroundJobTask?: LocalJobOptions['aroundTask'];
  /** Lifecycle trigger timings; LIFECYCLE_PUSH_DEBOUNCE_MS sets the push debounce. */
  lifecycleTriggers?: Partial<TriggerOptions>;
  /** How often garbage collection looks for due marks and a due sweep, in ms (60,000, as the deployed schedule). */
  gcTickMs?: number;
};

/** Starts a registry; data under `dataDir` survives a stop and a new start. Throws a ConfigError for a bad variable. */
export async function startLocalRegistry(options: LocalOptions = {}): Promise<LocalRegistry> {
  const env = options.env ?? process.env;
  const { config: base, host: local } = localConfigFromEnv(env);
  // The logger is the process's: a LOG_LEVEL given here sets it for the whole process, as it does at start-up.
  if (env.LOG_LEVEL !== undefined) logger.level = logLevel(env.LOG_LEVEL);
  const hostname = options.hostname ?? local.hostname;
  const port = options.port ?? local.port;
  const dataDir = resolve(options.dataDir ?? local.dataDir);
  if (!isLoopbackHost(hostname) && base.accessKeyId === DEFAULT_ACCESS_KEY_ID && base.secretAccessKey === DEFAULT_SECRET_ACCESS_KEY) {
    throw new Error(`Refusing to listen on ${hostname} with the default access keys: set REGISTRY_ACCESS_KEY_ID and REGISTRY_SECRET_ACCESS_KEY.`);
  }
  // An empty secret signs as well as any: whoever knows the key id would be the registry's root.
  if (!isLoopbackHost(hostname) && base.secretAccessKey === '') {
    throw new Error(`Refusing to listen on ${hostname} with an empty secret access key: set REGISTRY_SECRET_ACCESS_KEY.`);
  }
  const scheme = local.tls ? 'https' : 'http';
  const clock = options.now ?? (() => new Date());
  const stack = await startEmbeddedStack({
    dataDir,
    tableName: base.tableName,
    region: base.region,
    signingKey: base.signingKey,
    scheme,
    legacyBucket: base.bucketName,
    now: () => clock(),
  });
  const config: Config = base;
  const bus = new InProcessBus(options.log);
  const deps = createDeps(
    config,
    bus,
    (d) => localJobStarter(() => d, { retryIntervalMs: options.jobRetryIntervalMs, aroundTask: options.aroundJobTask }),
    stack.parts(config),
  );
  if (options.now) deps.now = options.now;
  const jobs = deps.jobs as LocalJobStarter;
  const triggers = new LocalLifecycleTriggers(deps, {
    ...DEFAULT_TRIGGERS,
    ...(local.lifecyclePushDebounceMs === undefined ? {} : { debounceMs: local.lifecyclePushDebounceMs }),
    ...options.lifecycleTriggers,
  });
  triggers.start(bus);
  const scanTriggers = new LocalScanTriggers(deps, local.scanFeedIntervalSeconds);
  await scanTriggers.start(bus);
  const replicationTriggers = new LocalReplicationTriggers(deps);
  replicationTriggers.start(bus);
  const signingTriggers = new LocalSigningTriggers(deps);
  signingTriggers.start(bus);
  const gcTrigger = new LocalGcTrigger(deps, options.gcTickMs).start();
  let host: Awaited<ReturnType<typeof startHost>>;
  try {
    host = await startHost(deps, hostname, port, {
      tls: local.tls,
      signedBlobs: { signer: stack.signer, blobs: stack.blobs, fileOf: (key) => stack.blobs.fileOf(key) },
    });
  } catch (e) {
    await triggers.stop();
    await scanTriggers.stop();
    await replicationTriggers.stop();
    await signingTriggers.stop();
    await gcTrigger.close();
    await stack.close();
    throw e;
  }
  return {
    endpoint: `${scheme}://${hostname.includes(':') ? `[${hostname}]` : hostname}:${host.port}`,
    port: host.port,
    deps,
    bus,
    config,
    jobs,
    async stop({ graceMs = 0 } = {}) {
      deps.principals.close();
      deps.peers.close();
      await host.close(graceMs);
      await triggers.stop();
      await scanTriggers.stop();
      await replicationTriggers.stop();
      await signingTriggers.stop();
      await gcTrigger.close();
      await jobs.stop();
      await stack.close();
    },
  };
}
