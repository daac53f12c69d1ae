/**
 * The logger of the Lambda bundles, which infra/deploy/esbuild-plugins.cjs puts in place of shared/observe/logger.ts:
 * the lines pino writes there (`{"level":"info","time":"<ISO>",...fields,"msg":...}`, LOG_LEVEL, the same fields
 * redacted at the top level and one level deep), written synchronously to stdout, for the calls the Lambdas make
 * (`logger.<level>(fields, msg)`), without pino and its streams. test/unit/lambda-logger.test.ts compares the two.
 */
import { writeSync } from 'node:fs';
import { LEVEL_VALUES, logLevel, REDACTED } from './log-fields.ts';

export { logLevel };

type LogFn = (fields: object, msg?: string) => void;
export type Logger = { level: string; trace: LogFn; debug: LogFn; info: LogFn; warn: LogFn; error: LogFn; fatal: LogFn };

const CENSOR = '[redacted]';
const redacted = new Set(REDACTED);

/** A copy with the redacted fields censored, at the top level and one level deep (as pino's `x` and `*.x` paths). */
function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (redacted.has(key)) out[key] = CENSOR;
    else if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error) && Object.keys(value).some((k) => redacted.has(k))) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted.has(k) ? CENSOR : v]));
    } else out[key] = value;
  }
  return out;
}

/** `err` as pino's standard serializer writes it; every other Error as its own JSON (as pino does: `{}`). */
function serializeErr(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return { type: err.constructor?.name ?? err.name, message: err.message, stack: err.stack };
}

/** A logger writing one line per call with `write` (stdout by default). */
export function createLogger(write: (line: string) => void = (line) => writeSync(1, line), level = logLevel()): Logger {
  const threshold = LEVEL_VALUES[level];
  const at =
    (label: string): LogFn =>
    (fields, msg) => {
      if (LEVEL_VALUES[label] < threshold) return;
      const record: Record<string, unknown> = { level: label, time: new Date().toISOString(), ...redact(fields as Record<string, unknown>) };
      if ('err' in record) record.err = serializeErr(record.err);
      if (msg !== undefined) record.msg = msg;
      let line: string;
      try {
        line = JSON.stringify(record);
      } catch {
        line = JSON.stringify({ level: label, time: record.time, msg, unserializable: true });
      }
      write(`${line}\n`);
    };
  return { level, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

/** The process's logger. */
export const logger: Logger = createLogger();
