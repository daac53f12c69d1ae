/**
 * What the one-shot commands (`npm run gc`, `npm run feed:import`) share: their configuration, read as the local host
 * reads it or, with `--aws`, as the Lambdas do; and the local data directory opened for them alone (locked against a
 * running registry, then its embedded stack started).
 */
import { mkdirSync } from 'node:fs';
import { ConfigError, configFromEnv, localConfigFromEnv, type Config } from '../shared/config.ts';
import { startEmbeddedStack, type EmbeddedStack } from '../infra/local/stack.ts';
import { DataDirLockedError, lockDataDir, type Lock } from '../infra/local/lock.ts';

/** The command's configuration and, locally, its data directory; a bad variable ends the process with exit 1. */
export function commandConfig(name: string, aws: boolean): { base: Config; dataDir: string } {
  try {
    if (aws) return { base: configFromEnv(), dataDir: '' };
    const { config, host } = localConfigFromEnv();
    return { base: config, dataDir: host.dataDir };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`${name}: ${e.message}`);
    process.exit(1);
  }
}

/** The configuration that reaches the stack's own table and bucket in AWS (no local endpoints). */
export const inAws = (base: Config): Config => ({ ...base, dynamodbEndpoint: undefined, s3Endpoint: undefined });

/**
 * Locks the data directory for `holder` (released when the process exits) and starts its embedded stack. A directory
 * in use ends the process with exit 1 and `busy` after the lock's message.
 */
export async function openDataDir(dataDir: string, base: Config, holder: string, busy: string): Promise<{ stack: EmbeddedStack; lock: Lock }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let lock: Lock;
  try {
    lock = lockDataDir(dataDir, holder);
  } catch (e) {
    if (!(e instanceof DataDirLockedError)) throw e;
    console.error(`${e.message} ${busy}`);
    process.exit(1);
  }
  process.on('exit', () => lock.release());
  const stack = await startEmbeddedStack({
    dataDir,
    tableName: base.tableName,
    region: base.region,
    signingKey: base.signingKey,
    scheme: 'http',
    legacyBucket: base.bucketName,
  });
  return { stack, lock };
}
