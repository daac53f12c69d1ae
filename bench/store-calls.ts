/**
 * Store calls per request (issue 11's profiling aid). Run: `npm run bench:store-calls` (a few seconds).
 * Starts the local registry in this process, counts every DynamoDB request its table adapter makes and every
 * blob store call, and walks the requests skopeo makes for one small blob (HEAD, POST, PATCH with Content-Length,
 * PUT ?digest=), a manifest push and pull, and the ECR calls bench:core loads (BatchGetImage,
 * BatchCheckLayerAvailability), printing what each cost.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Table } from '../shared/store/dynamo/table.ts';
import { BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { startTestRegistry } from '../test/helpers/registry.ts';

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const counts = new Map<string, number>();
const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

// Each Table call is one DynamoDB request (batches of more than 100 keys or 25 writes aside, which these requests never make).
const table = Table.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const method of ['get', 'put', 'update', 'delete', 'query', 'batchGet', 'batchPut', 'batchDelete']) {
  const original = table[method];
  table[method] = function (this: unknown, ...args: unknown[]) {
    count(`dynamo.${method}`);
    return original.apply(this, args);
  };
}

async function main() {
  const registry = await startTestRegistry();
  const blobs = registry.deps.blobs as unknown as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(blobs))) {
    const fn = blobs[key];
    if (key === 'constructor' || typeof fn !== 'function') continue;
    blobs[key] = (...args: unknown[]) => {
      count(`blobs.${key}`);
      return (fn as (...a: unknown[]) => unknown).apply(blobs, args);
    };
  }
  const rows: string[] = [];
  const step = async (label: string, act: () => Promise<unknown>) => {
    counts.clear();
    await act();
    const dynamo = [...counts].filter(([k]) => k.startsWith('dynamo.')).reduce((n, [, v]) => n + v, 0);
    const detail = [...counts].map(([k, v]) => `${k}${v > 1 ? ` x${v}` : ''}`).join(', ');
    rows.push(`| ${label} | ${dynamo} | ${detail} |`);
  };
  try {
    await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'calls/app' }));
    const out = await registry.ecr.send(new GetAuthorizationTokenCommand({}));
    const basic = `Basic ${out.authorizationData![0].authorizationToken}`;
    const oci = (path: string, init: RequestInit = {}) =>
      fetch(registry.endpoint + path, { redirect: 'manual', ...init, headers: { authorization: basic, ...(init.headers as object) } });
    const bytes = randomBytes(64 * 1024);
    const digest = sha256(bytes);
    let location = '';
    await step('HEAD blob (absent)', async () => (await oci(`/v2/calls/app/blobs/${digest}`, { method: 'HEAD' })).arrayBuffer());
    await step('POST upload', async () => {
      const res = await oci('/v2/calls/app/blobs/uploads/', { method: 'POST' });
      location = res.headers.get('location')!;
      await res.arrayBuffer();
    });
    await step('PATCH 64 KiB (Content-Length)', async () => {
      const res = await oci(location, { method: 'PATCH', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      location = res.headers.get('location')!;
      await res.arrayBuffer();
    });
    await step('PUT ?digest= (empty body)', async () => {
      const res = await oci(`${location}?digest=${digest}`, { method: 'PUT' });
      if (res.status !== 201) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
    });
    await step('HEAD blob (present)', async () => (await oci(`/v2/calls/app/blobs/${digest}`, { method: 'HEAD' })).arrayBuffer());
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const configDigest = sha256(config);
    await (await oci(`/v2/calls/app/blobs/uploads/?digest=${configDigest}`, { method: 'POST', body: config })).arrayBuffer();
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: bytes.length }],
    });
    await step('PUT manifest (tag)', async () => {
      const res = await oci('/v2/calls/app/manifests/v1', {
        method: 'PUT',
        body: manifest,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      if (res.status !== 201) throw new Error(`manifest PUT answered ${res.status}: ${await res.text()}`);
    });
    await step('GET manifest by tag', async () => (await oci('/v2/calls/app/manifests/v1')).arrayBuffer());
    await step('GET blob', async () => (await oci(`/v2/calls/app/blobs/${digest}`)).arrayBuffer());
    await step('BatchGetImage (1 tag)', () => registry.ecr.send(new BatchGetImageCommand({ repositoryName: 'calls/app', imageIds: [{ imageTag: 'v1' }] })));
    await step('BatchCheckLayerAvailability (2)', () =>
      registry.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'calls/app', layerDigests: [digest, configDigest] })),
    );
  } finally {
    await registry.destroy();
  }
  console.log('| request | DynamoDB calls | calls |\n| --- | --- | --- |');
  console.log(rows.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
