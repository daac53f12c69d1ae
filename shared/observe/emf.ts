/**
 * In a Lambda, the request and job records as CloudWatch embedded-metric-format lines (Powertools Metrics):
 * one line per request in namespace `serverless-ecr` (POWERTOOLS_METRICS_NAMESPACE overrides it) with the
 * dimensions protocol, operation (ECR operation or OCI route) and status, and the metrics Requests, Latency,
 * BytesIn, BytesOut; one line per job start with JobStarted, per task with nothing (the task log line suffices).
 * CloudWatch turns the lines into metrics without any API call from the function.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { JobRecord, RequestRecord } from './requests.ts';

const NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE || 'serverless-ecr';

/** The listener that writes one EMF line per record. */
export function emfListener(serviceName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'serverless-ecr') {
  const metricsFor = () => new Metrics({ namespace: NAMESPACE, serviceName });
  return {
    request(r: RequestRecord) {
      const m = metricsFor();
      m.addDimensions({ protocol: r.protocol, operation: r.operation ?? r.route ?? 'unknown', status: String(r.status) });
      m.addMetric('Requests', MetricUnit.Count, 1);
      m.addMetric('Latency', MetricUnit.Milliseconds, r.latencyMs);
      m.addMetric('BytesIn', MetricUnit.Bytes, r.bytesIn);
      m.addMetric('BytesOut', MetricUnit.Bytes, r.bytesOut);
      m.publishStoredMetrics();
    },
    job(j: JobRecord) {
      const m = metricsFor();
      m.addDimensions({ machine: j.machine, ...(j.outcome ? { outcome: j.outcome } : {}) });
      m.addMetric(j.phase === 'start' ? 'JobStarted' : 'JobFinished', MetricUnit.Count, 1);
      m.publishStoredMetrics();
    },
  };
}
