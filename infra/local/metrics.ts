/**
 * GET /metrics of the local host, in Prometheus text format (prom-client), from the same records the access log
 * writes (shared/observe/requests.ts): requests by protocol, operation (or OCI route) and status, a latency
 * histogram, bytes in and out, job runs by machine and outcome, and the process's own (memory, CPU, event loop);
 * and what the registry holds (./inventory.ts): repositories, images and their bytes, in total and per repository,
 * read at most once a minute, with the figures' age.
 * Answered to loopback clients only, whatever HOST is: it carries no secret, but it names repositories' traffic
 * and is not behind the registry's authentication. Scrape it from the same machine (or through an SSH tunnel).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { observe, type RequestRecord } from '../../shared/observe/requests.ts';
import type { HttpResult } from '../../shared/protocol/http.ts';
import type { Inventory } from './inventory.ts';

export type Metrics = { page(remoteAddress: string | undefined): Promise<HttpResult>; close(): void };

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Starts counting every request and job this process records; `inventory` gives the holdings' gauges. */
export function startMetrics(inventory?: () => Promise<Inventory>): Metrics {
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
  if (inventory) inventoryGauges(register, inventory);
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

/** The holdings' gauges, all set from one reading of `inventory` per scrape (which caches it). */
function inventoryGauges(register: Registry, inventory: () => Promise<Inventory>) {
  let current: Promise<Inventory> | undefined;
  // Every gauge's collect asks; the first of a scrape reads, the others of the same scrape share it.
  const read = () => {
    current ??= inventory().finally(() => setImmediate(() => (current = undefined)));
    return current;
  };
  const total = (name: string, help: string, value: (i: Inventory) => number) =>
    new Gauge({
      name,
      help,
      registers: [register],
      async collect() {
        this.set(value(await read()));
      },
    });
  const perRepository = (name: string, help: string, value: (r: Inventory['perRepository'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['repository'],
      registers: [register],
      async collect() {
        const i = await read();
        this.reset();
        for (const r of i.perRepository) this.set({ repository: r.repository }, value(r));
      },
    });
  total('secr_repositories', 'Repositories in the registry.', (i) => i.repositories);
  total('secr_images', 'Images (manifests and indexes, tagged or not) in the registry.', (i) => i.images);
  total('secr_image_bytes', "Sum of the images' sizes as DescribeImages reports them (a layer shared by two images counts in each).", (i) => i.bytes);
  perRepository('secr_repository_images', 'Images in the repository (the 500 largest repositories).', (r) => r.images);
  perRepository('secr_repository_image_bytes', "Sum of the sizes of the repository's images, as DescribeImages reports them.", (r) => r.bytes);
  new Gauge({
    name: 'secr_inventory_age_seconds',
    help: 'Age of the repository and image figures: they are read from the stores at most once a minute.',
    registers: [register],
    async collect() {
      this.set((Date.now() - (await read()).readAt.getTime()) / 1000);
    },
  });
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
