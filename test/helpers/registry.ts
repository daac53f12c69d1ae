/** Starts a real local registry (embedded DynamoDB and S3, the real host) for a test file, and real clients for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { startLocalRegistry, type LocalOptions, type LocalRegistry } from '../../infra/local/registry.ts';

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export type TestRegistry = LocalRegistry & { dataDir: string; ecr: ECRClient; restart(): Promise<TestRegistry>; destroy(): Promise<void> };

/** What a test may set beyond the environment: the registry's clock, state machine retry pauses and tasks, lifecycle triggers, the SDK's table client. */
export type TestOptions = Pick<LocalOptions, 'now' | 'jobRetryIntervalMs' | 'aroundJobTask' | 'lifecycleTriggers' | 'gcTickMs'>;

/** A registry on a free loopback port with its own data directory. */
export async function startTestRegistry(
  dataDir = mkdtempSync(join(tmpdir(), 'secr-')),
  env: NodeJS.ProcessEnv = {},
  options: TestOptions = {},
): Promise<TestRegistry> {
  const registry = await startLocalRegistry({ dataDir, port: 0, hostname: '127.0.0.1', env: { ...env }, ...options });
  const ecr = ecrClient(registry.endpoint);
  return {
    ...registry,
    dataDir,
    ecr,
    async restart() {
      ecr.destroy();
      await registry.stop();
      return startTestRegistry(dataDir, env, options);
    },
    async destroy() {
      ecr.destroy();
      await registry.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The real ECR SDK v3 client pointed at an endpoint. */
export function ecrClient(endpoint: string, credentials = CREDENTIALS): ECRClient {
  return new ECRClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/** The outcome of an SDK call as the wire gave it: `<__type>: <message>`, or 'no error'. */
export const wireError = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'no error',
    (e: Error) => `${e.name}: ${e.message}`,
  );

/** SDK clients signing as the principals of a test, built on demand and destroyed together. */
export function principalClients(endpoint: () => string) {
  const clients: ECRClient[] = [];
  return {
    as(credentials: { accessKeyId: string; secretAccessKey: string }): ECRClient {
      const client = ecrClient(endpoint(), credentials);
      clients.push(client);
      return client;
    },
    destroy() {
      for (const client of clients.splice(0)) client.destroy();
    },
  };
}

/** The wire error name a rejected SDK call carried. */
export async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).name;
  }
  throw new Error('expected the call to fail');
}

/** The rejected SDK call's error itself (name, message, fields). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await promise;
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error('expected the call to fail');
}
