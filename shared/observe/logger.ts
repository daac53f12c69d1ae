/**
 * The one logger of the registry, the local host and the Lambdas alike: pino, one JSON object a line on stdout
 * (`{"level":"info","time":"<ISO>","msg":...}`), level from LOG_LEVEL (trace, debug, info, warn, error, fatal,
 * silent; default info). Writes are synchronous so that nothing is lost when a Lambda is frozen or the process
 * exits. Records are built field by field by their callers (shared/observe/requests.ts): no header, body or
 * credential is ever passed in whole; the redaction below is a second line of defence.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { logLevel, REDACTED } from './log-fields.ts';

export { logLevel };

/** A logger writing to `destination` (stdout by default). */
export function createLogger(destination: DestinationStream = pino.destination({ dest: 1, sync: true }), level = logLevel()): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED, ...REDACTED.map((f) => `*.${f}`)], censor: '[redacted]' },
    },
    destination,
  );
}

/** The process's logger. */
export const logger: Logger = createLogger();
