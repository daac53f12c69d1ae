import { describe, expect, it } from 'vitest';
import { createLogger as createPino } from '../../shared/observe/logger.ts';
import { createLogger as createLambdaLogger } from '../../shared/observe/lambda-logger.ts';

/** The lines each logger writes for the same calls, `time` taken out (checked to be ISO on its own). */
function linesOf(level: string, calls: (log: { [l: string]: (fields: object, msg?: string) => void }) => void) {
  const pinoLines: string[] = [];
  const lambdaLines: string[] = [];
  calls(createPino({ write: (line: string) => pinoLines.push(line) }, level) as any);
  calls(createLambdaLogger((line) => lambdaLines.push(line), level) as any);
  const strip = (line: string) => {
    const record = JSON.parse(line);
    expect(record.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    delete record.time;
    return JSON.stringify(record);
  };
  return { pino: pinoLines.map(strip), lambda: lambdaLines.map(strip), raw: lambdaLines };
}

describe('the Lambda logger writes the lines pino writes', () => {
  it('request and job records, at their levels, in the same field order', () => {
    const { pino, lambda, raw } = linesOf('info', (log) => {
      log.info({ requestId: 'r1', protocol: 'ecr', operation: 'ListImages', status: 200, latencyMs: 3, bytesIn: 10, bytesOut: 20 }, 'request');
      log.debug({ requestId: 'r2', status: 200 }, 'request');
      log.error({ task: 'Index', outcome: 'FAILED', durationMs: 5, error: 'Error: boom' }, 'task finished');
      log.info({ task: 'Plan', outcome: 'SUCCEEDED', counts: { layers: 2 } }, 'task finished');
      log.warn({ file: '/x' });
    });
    expect(lambda).toEqual(pino);
    expect(lambda).toHaveLength(4);
    expect(raw[0].endsWith('\n')).toBe(true);
    expect(raw[0].startsWith('{"level":"info","time":"')).toBe(true);
  });

  it('redacts the same fields, at the top level and one level deep', () => {
    const { pino, lambda } = linesOf('debug', (log) => {
      log.info({ authorization: 'AWS4 x', nested: { token: 't', secretAccessKey: 's', keep: 1 }, deeper: { a: { password: 'p' } }, keep: 'k' }, 'm');
      log.debug({ signature: 'sig', list: [{ secret: 'x' }] }, 'm');
    });
    expect(lambda).toEqual(pino);
    expect(lambda[0]).not.toContain('AWS4 x');
  });

  it('honours LOG_LEVEL silent and trace alike', () => {
    const silent = linesOf('silent', (log) => log.fatal({ a: 1 }, 'x'));
    expect(silent.lambda).toEqual([]);
    expect(silent.pino).toEqual([]);
    const trace = linesOf('trace', (log) => log.trace({ a: 1 }, 'x'));
    expect(trace.lambda).toEqual(trace.pino);
    expect(trace.lambda).toHaveLength(1);
  });
});
