/** In a Lambda, each request record is one CloudWatch embedded-metric-format line. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfListener } from '../../shared/observe/emf.ts';

afterEach(() => vi.restoreAllMocks());

describe('the embedded-metric-format listener', () => {
  it('writes one EMF line per request with its operation and status as dimensions and its counts, latency and sizes', () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      written.push(String(chunk));
      return true;
    });
    // Act
    emfListener('serverless-ecr-dev-images').request({
      requestId: 'r-1',
      protocol: 'ecr',
      operation: 'PutImage',
      repository: 'team/app',
      status: 200,
      latencyMs: 12.5,
      bytesIn: 300,
      bytesOut: 900,
    });
    // Assess
    expect(written).toHaveLength(1);
    const line = JSON.parse(written[0]);
    expect(line._aws.CloudWatchMetrics[0].Namespace).toBe('serverless-ecr');
    expect(line._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['protocol', 'operation', 'status']));
    expect(line).toMatchObject({
      protocol: 'ecr',
      operation: 'PutImage',
      status: '200',
      Requests: 1,
      Latency: 12.5,
      BytesIn: 300,
      BytesOut: 900,
      service: 'serverless-ecr-dev-images',
    });
    expect(JSON.stringify(line)).not.toContain('team/app');
  });
});
