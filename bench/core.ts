/**
 * Benchmark of the ECR core (issue: the ECR core). Run: `npm run bench:core` (about a minute).
 * 1. A 256 MiB layer up through InitiateLayerUpload / UploadLayerPart / CompleteLayerUpload and down through
 *    the presigned URL: MB/s each way, and the registry process's peak RSS.
 * 2. BatchCheckLayerAvailability (100 digests) and BatchGetImage: requests/s and p50/p99 from 1 and 8 clients,
 *    next to raw dynalite GetItem throughput in the same run, so the registry's overhead per call shows.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { cpuSeconds, fmt, load, startRegistryProcess, type LoadResult } from './lib.ts';

const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 256);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function main() {
  const registry = await startRegistryProcess(Number(process.env.BENCH_PORT ?? 5055));
  const ecr = new ECRClient({ endpoint: registry.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const lines: string[] = [];
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/app' }));

    // 1. Upload and download of one large layer.
    const layer = randomBytes(LAYER_MIB * 1024 * 1024);
    const digest = 'sha256:' + createHash('sha256').update(layer).digest('hex');
    let t = performance.now();
    const cpuBefore = cpuSeconds(registry.child.pid!);
    const { uploadId, partSize } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'bench/app' }));
    for (let first = 0; first < layer.length; first += partSize!) {
      const part = layer.subarray(first, Math.min(layer.length, first + partSize!));
      await ecr.send(
        new UploadLayerPartCommand({ repositoryName: 'bench/app', uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part }),
      );
    }
    await ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'bench/app', uploadId, layerDigests: [digest] }));
    const upSeconds = (performance.now() - t) / 1000;
    const upCpu = cpuSeconds(registry.child.pid!) - cpuBefore;
    t = performance.now();
    const { downloadUrl } = await ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'bench/app', layerDigest: digest }));
    const response = await fetch(downloadUrl!);
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
    }
    const downSeconds = (performance.now() - t) / 1000;
    if (received !== layer.length || 'sha256:' + hash.digest('hex') !== digest) throw new Error('downloaded layer differs');
    const mb = layer.length / 1e6;
    lines.push(`| ${LAYER_MIB} MiB layer upload (UploadLayerPart, ${partSize! / 1048576} MiB parts) | ${fmt(upSeconds, 2)} s | ${fmt(mb / upSeconds)} MB/s |`);
    lines.push(`| registry CPU for that upload (user + system) | ${fmt(upCpu, 2)} s | ${fmt(mb / upCpu)} MB per CPU second |`);
    lines.push(`| ${LAYER_MIB} MiB layer download (presigned URL) | ${fmt(downSeconds, 2)} s | ${fmt(mb / downSeconds)} MB/s |`);
    lines.push(`| registry peak RSS after the transfer | | ${registry.peakRssMb()} MB |`);

    // 2. Small calls under load.
    const digests: string[] = [];
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    for (const bytes of [config, ...Array.from({ length: 99 }, () => randomBytes(64))]) {
      const d = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
      const up = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'bench/app' }));
      await ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'bench/app',
          uploadId: up.uploadId,
          partFirstByte: 0,
          partLastByte: bytes.length - 1,
          layerPartBlob: bytes,
        }),
      );
      await ecr.send(new CompleteLayerUploadCommand({ repositoryName: 'bench/app', uploadId: up.uploadId, layerDigests: [d] }));
      digests.push(d);
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digests[0], size: config.length },
      layers: digests.slice(1, 6).map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d, size: 64 })),
    });
    await ecr.send(new PutImageCommand({ repositoryName: 'bench/app', imageManifest: manifest, imageTag: 'v1' }));
    const clients = Array.from({ length: 8 }, () => new ECRClient({ endpoint: registry.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }));
    let next = 0;
    const client = () => clients[next++ % clients.length];
    const check = () => client().send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'bench/app', layerDigests: digests }));
    const get = () => client().send(new BatchGetImageCommand({ repositoryName: 'bench/app', imageIds: [{ imageTag: 'v1' }] }));
    const raw = await rawDynalite();
    const row = (name: string, r: LoadResult, base?: LoadResult) =>
      `| ${name} | ${fmt(r.rps, 0)} req/s | p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms${base ? ` | ${fmt(r.rps / base.rps, 3)}x raw GetItem` : ' |'} |`;
    for (const n of [1, 8]) {
      const baseline = await load(n, SECONDS, raw.get);
      const checked = await load(n, SECONDS, check);
      const got = await load(n, SECONDS, get);
      lines.push(row(`raw dynalite GetItem, ${n} client${n > 1 ? 's' : ''}`, baseline));
      lines.push(row(`BatchCheckLayerAvailability (100 digests), ${n} client${n > 1 ? 's' : ''}`, checked, baseline));
      lines.push(row(`BatchGetImage (1 image), ${n} client${n > 1 ? 's' : ''}`, got, baseline));
    }
    lines.push(`| registry peak RSS at the end | | ${registry.peakRssMb()} MB |`);
    await raw.close();
    for (const c of clients) c.destroy();
  } finally {
    ecr.destroy();
    await registry.stop();
  }
  console.log(lines.join('\n'));
}

/** A dynalite server of its own, in this process, with one item to read: the floor a registry call stands on. */
async function rawDynalite() {
  const dir = mkdtempSync(join(tmpdir(), 'secr-raw-'));
  const server = (dynalite as any)({ path: dir, createTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: 'raw-bench',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  // dynalite makes a new table ACTIVE asynchronously, even with createTableMs 0.
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: 'raw-bench' });
  await client.send(new PutItemCommand({ TableName: 'raw-bench', Item: { pk: { S: 'k' }, v: { S: 'x'.repeat(200) } } }));
  return {
    get: () => client.send(new GetItemCommand({ TableName: 'raw-bench', Key: { pk: { S: 'k' } } })),
    async close() {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

await main();
