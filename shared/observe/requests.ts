/**
 * What every adapter reports once per request and once per job start and end: one log line each, and the same
 * record to whoever listens (the local host's Prometheus metrics, the Lambdas' embedded-metric-format lines).
 * A record holds only what is named here: never a header, body, token or signature.
 */
import { emfListener } from './emf.ts';
import { logger } from './logger.ts';

export type RequestRecord = {
  /** The id the response carries (x-amzn-RequestId). */
  requestId: string;
  protocol: 'ecr' | 'oci' | 'host';
  /** ECR operation (`CreateRepository`), or undefined when the target names none of the model's. */
  operation?: string;
  /** OCI route (`GET /v2/<name>/manifests/<reference>`) or the host's own path. */
  route?: string;
  method?: string;
  repository?: string;
  /** Who signed or logged in: the access key id, once verified. */
  principal?: string;
  status: number;
  /** The wire error (`RepositoryNotFoundException`, `MANIFEST_UNKNOWN`), if any. */
  errorType?: string;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
};

export type JobRecord = {
  phase: 'start' | 'end';
  machine: string;
  executionArn: string;
  /** At the end: how it ended. */
  outcome?: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  durationMs?: number;
  /** At the end: the numbers of the job's output (deleted, scanned, findings...). */
  counts?: Record<string, number>;
  error?: string;
};

type Listener = { request?: (r: RequestRecord) => void; job?: (r: JobRecord) => void };
const listeners = new Set<Listener>();

/** Adds a listener of every record; returns its removal. */
export function observe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Logs one request (at `level`, error for a 5xx) and hands it to the listeners. */
export function recordRequest(record: RequestRecord, level: 'debug' | 'info' = 'info'): void {
  const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as RequestRecord;
  if (record.status >= 500) logger.error(clean, 'request');
  else logger[level](clean, 'request');
  for (const l of listeners) l.request?.(clean);
}

/** Logs a job's start or end and hands it to the listeners. */
export function recordJob(record: JobRecord): void {
  const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as JobRecord;
  if (record.outcome === 'FAILED') logger.error(clean, 'job finished');
  else logger.info(clean, record.phase === 'start' ? 'job started' : 'job finished');
  for (const l of listeners) l.job?.(clean);
}

/** The top-level numbers of a job's output, its counts for the end line. */
export function countsOf(output: unknown): Record<string, number> | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(output)) {
    if (typeof v === 'number' && Number.isFinite(v)) counts[k] = v;
    else if (Array.isArray(v)) counts[k] = v.length;
  }
  return Object.keys(counts).length ? counts : undefined;
}

/** Milliseconds since `start` (a performance.now() value), to a tenth. */
export const since = (start: number) => Math.round((performance.now() - start) * 10) / 10;

/** The decoded size of an API Gateway body. */
export const bodyBytes = (body: string | undefined, base64?: boolean) => (body ? Buffer.byteLength(body, base64 ? 'base64' : 'utf8') : 0);

// In a Lambda every record is also a CloudWatch metric (embedded metric format lines on stdout).
if (process.env.AWS_LAMBDA_FUNCTION_NAME) observe(emfListener());
