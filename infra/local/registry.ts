/**
 * The whole local registry: the embedded stack plus the host, configured from the environment.
 * Used by `npm start` (infra/local/start.ts), the tests and the benchmarks.
 */
import { resolve } from 'node:path';
import { configFromEnv, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, type Config } from '../../shared/config.ts';
import { createDeps, type Deps } from '../../shared/deps.ts';
import { InProcessBus } from '../../shared/events/publisher.ts';
import { startEmbeddedStack } from './stack.ts';
import { startHost } from './host.ts';

export type LocalRegistry = { endpoint: string; port: number; deps: Deps; bus: InProcessBus; config: Config; stop(): Promise<void> };

export type LocalOptions = { dataDir?: string; port?: number; hostname?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void };

/** Starts a registry; data under `dataDir` survives a stop and a new start. */
export async function startLocalRegistry(options: LocalOptions = {}): Promise<LocalRegistry> {
  const env = options.env ?? process.env;
  const hostname = options.hostname ?? env.HOST ?? '127.0.0.1';
  const port = options.port ?? Number(env.PORT ?? 5000);
  const dataDir = resolve(options.dataDir ?? env.REGISTRY_DATA_DIR ?? '.data');
  const base = configFromEnv(env);
  if (!isLoopback(hostname) && base.accessKeyId === DEFAULT_ACCESS_KEY_ID && base.secretAccessKey === DEFAULT_SECRET_ACCESS_KEY) {
    throw new Error(`Refusing to listen on ${hostname} with the default access keys: set REGISTRY_ACCESS_KEY_ID and REGISTRY_SECRET_ACCESS_KEY.`);
  }
  const stack = await startEmbeddedStack({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
  const config: Config = { ...base, dynamodbEndpoint: stack.dynamodbEndpoint, s3Endpoint: stack.s3Endpoint, layerPartSize: Number(env.LAYER_PART_SIZE ?? 10 * 1024 * 1024) };
  const bus = new InProcessBus(options.log);
  const deps = createDeps(config, bus);
  const host = await startHost(deps, hostname, port);
  return {
    endpoint: `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${host.port}`,
    port: host.port,
    deps,
    bus,
    config,
    async stop() {
      await host.close();
      await stack.close();
    },
  };
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname);
}
