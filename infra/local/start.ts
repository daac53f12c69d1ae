/** `npm start`: runs the registry locally on the embedded stack until interrupted. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, localConfigFromEnv } from '../../shared/config.ts';
import { startLocalRegistry, type LocalRegistry } from './registry.ts';

let registry: LocalRegistry;
let dataDir: string;
try {
  dataDir = localConfigFromEnv().host.dataDir;
  mkdirSync(dataDir, { recursive: true });
  const eventLog = join(dataDir, 'events.log');
  registry = await startLocalRegistry({ dataDir, log: (line) => appendFileSync(eventLog, line + '\n') });
} catch (e) {
  // A bad variable is one line naming it, not a stack trace.
  if (!(e instanceof ConfigError)) throw e;
  console.error(`serverless-ecr: ${e.message}`);
  process.exit(1);
}
console.log(`serverless-ecr listening on ${registry.endpoint} (registry ${registry.config.registryId}, region ${registry.config.region}, data in ${dataDir})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await registry.stop();
    process.exit(0);
  });
}
