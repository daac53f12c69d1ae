/** The logger's levels and the fields it redacts (shared/observe/logger.ts). */

/** pino's levels, lowest first, with their numbers. */
export const LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Field names that must never reach a log, wherever they appear one level deep. */
export const REDACTED = ['authorization', 'password', 'token', 'secret', 'secretAccessKey', 'signature', 'authorizationToken'];

/** LOG_LEVEL as pino knows it; an unknown value falls back to info. */
export function logLevel(value = process.env.LOG_LEVEL): string {
  const level = (value ?? '').trim().toLowerCase();
  return Object.hasOwn(LEVEL_VALUES, level) ? level : 'info';
}
