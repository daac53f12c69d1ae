/** `npm start`: runs the registry locally on the embedded stack until interrupted. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalRegistry } from './registry.ts';

const dataDir = resolve(process.env.REGISTRY_DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const eventLog = join(dataDir, 'events.log');
const registry = await startLocalRegistry({ dataDir, log: (line) => appendFileSync(eventLog, line + '\n') });
console.log(`serverless-ecr listening on ${registry.endpoint} (registry ${registry.config.registryId}, region ${registry.config.region}, data in ${dataDir})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await registry.stop();
    process.exit(0);
  });
}
