/**
 * `npm start`: runs the registry locally on the embedded stack until SIGINT or SIGTERM.
 * Before anything starts it takes the data directory's lock (one process per data directory) and checks that
 * the port is free, each refusal one line and exit 1. package.json execs this process in place of npm's
 * shell, so a signal to npm (which forwards it) or to this process stops the same registry.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, localConfigFromEnv, type LocalHostConfig } from '../../shared/config.ts';
import { parseCli, USAGE, type CliOptions } from './cli.ts';
import { DataDirLockedError, lockDataDir, type Lock } from './lock.ts';
import { portProblem, probePort } from './port.ts';
import { startLocalRegistry, type LocalRegistry } from './registry.ts';
import { logger as baseLogger } from '../../shared/observe/logger.ts';

/** The start and stop lines are written at any LOG_LEVEL but silent: a service manager's log needs them. */
const logger = baseLogger.level === 'silent' ? baseLogger : baseLogger.child({}, { level: 'info' });

/** How long requests and jobs in flight get to finish once a stop signal arrives. */
const STOP_GRACE_MS = 10_000;

let options: CliOptions;
try {
  options = parseCli(process.argv.slice(2));
} catch (e) {
  console.error(`${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

/** One line on stderr, then exit 1. */
function refuse(message: string, lock?: Lock): never {
  lock?.release();
  console.error(message);
  process.exit(1);
}

// Every variable is read and checked in shared/config.ts; a bad one is one line naming it, not a stack trace.
let host: LocalHostConfig;
try {
  host = localConfigFromEnv().host;
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  refuse(`serverless-ecr: ${e.message}`);
}
const hostname = options.host ?? host.hostname;
const port = options.port ?? host.port;
const dataDir = resolve(options.dataDir ?? host.dataDir);

// Whatever the registry and its embedded stores create (LevelDB's files, the event log, blobs) is its owner's alone.
process.umask(0o077);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
let lock: Lock;
try {
  lock = lockDataDir(dataDir, 'the registry (npm start)');
} catch (e) {
  refuse(e instanceof DataDirLockedError ? e.message : `Cannot lock the data directory ${dataDir}: ${(e as Error).message}`);
}
process.on('exit', () => lock.release());
const taken = await probePort(hostname, port);
if (taken) refuse(portProblem(hostname, port, taken), lock);

const eventLog = join(dataDir, 'events.log');
let registry: LocalRegistry;
try {
  registry = await startLocalRegistry({ dataDir, port, hostname, log: (line) => appendFileSync(eventLog, line + '\n') });
} catch (e) {
  if (e instanceof ConfigError) refuse(`serverless-ecr: ${e.message}`, lock);
  const code = (e as NodeJS.ErrnoException).code;
  refuse(code === 'EADDRINUSE' || code === 'EACCES' ? portProblem(hostname, port, code) : `serverless-ecr could not start: ${(e as Error).message}`, lock);
}
logger.info(
  { endpoint: registry.endpoint, registryId: registry.config.registryId, region: registry.config.region, dataDir, pid: process.pid },
  `serverless-ecr listening on ${registry.endpoint} (registry ${registry.config.registryId}, region ${registry.config.region}, data in ${dataDir}, PID ${process.pid})`,
);

let stopping = false;
async function stop(signal: NodeJS.Signals) {
  // npm forwards the signal it gets, and a terminal's Ctrl-C reaches both: one stop is enough.
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, `serverless-ecr stopping (${signal}): requests and jobs in flight get up to ${STOP_GRACE_MS / 1000} s`);
  try {
    await registry.stop({ graceMs: STOP_GRACE_MS });
  } catch (e) {
    logger.error({ err: e, signal }, 'serverless-ecr did not stop cleanly');
    process.exit(1);
  }
  lock.release();
  logger.info({ signal }, `serverless-ecr stopped (${signal})`);
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));
