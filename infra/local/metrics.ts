/**
 * GET /metrics of the local host, in Prometheus text format (prom-client), from the same records the access log
 * writes (shared/observe/requests.ts): requests by protocol, operation (or OCI route) and status, a latency
 * histogram, bytes in and out, job runs by machine and outcome, and the process's own (memory, CPU, event loop).
 * Answered to loopback clients only, whatever HOST is: it carries no secret, but it names repositories' traffic
 * and is not behind the registry's authentication. Scrape it from the same machine (or through an SSH tunnel).
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { observe, type RequestRecord } from '../../shared/observe/requests.ts';
import type { HttpResult } from '../../shared/protocol/http.ts';

export type Metrics = { page(remoteAddress: string | undefined): Promise<HttpResult>; close(): void };

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Starts counting every request and job this process records. */
export function startMetrics(): Metrics {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'secr_' });
  const labelNames = ['protocol', 'operation'] as const;
  const requests = new Counter({
    name: 'secr_requests_total',
    help: 'Requests answered, by protocol, ECR operation or OCI route, and HTTP status.',
    labelNames: [...labelNames, 'status'],
    registers: [register],
  });
  const latency = new Histogram({
    name: 'secr_request_duration_seconds',
    help: 'Time from the request to its response, by protocol and operation.',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [register],
  });
  const bytesIn = new Counter({
    name: 'secr_request_bytes_in_total',
    help: 'Request body bytes received, by protocol and operation.',
    labelNames,
    registers: [register],
  });
  const bytesOut = new Counter({
    name: 'secr_request_bytes_out_total',
    help: 'Response body bytes sent, by protocol and operation.',
    labelNames,
    registers: [register],
  });
  const jobs = new Counter({
    name: 'secr_job_runs_total',
    help: 'State machine executions finished (lifecycle, scan), by machine and outcome.',
    labelNames: ['machine', 'outcome'],
    registers: [register],
  });
  const jobTime = new Histogram({
    name: 'secr_job_duration_seconds',
    help: 'State machine execution time, by machine.',
    labelNames: ['machine'],
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [register],
  });
  const unobserve = observe({
    request: (r) => {
      const labels = { protocol: r.protocol, operation: operationLabel(r) };
      requests.inc({ ...labels, status: String(r.status) });
      latency.observe(labels, r.latencyMs / 1000);
      bytesIn.inc(labels, r.bytesIn);
      bytesOut.inc(labels, r.bytesOut);
    },
    job: (j) => {
      if (j.phase !== 'end') return;
      jobs.inc({ machine: j.machine, outcome: j.outcome ?? 'UNKNOWN' });
      if (j.durationMs !== undefined) jobTime.observe({ machine: j.machine }, j.durationMs / 1000);
    },
  });
  return {
    async page(remoteAddress) {
      if (!isLoopbackAddress(remoteAddress)) {
        return { statusCode: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"/metrics answers loopback clients only"}' };
      }
      return { statusCode: 200, headers: { 'content-type': register.contentType }, body: await register.metrics() };
    },
    close: () => {
      unobserve();
      register.clear();
    },
  };
}

/** A bounded label: the model's operation names and the OCI routes' labels, never a raw path. */
function operationLabel(r: RequestRecord): string {
  return r.operation ?? r.route ?? 'unknown';
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || /^127\./.test(ip);
}
