/**
 * What one image push and one image pull cost in AWS requests, measured. Run: `npm run bench:cost`.
 * A local registry runs in this process with a counting middleware on every SDK client (test/helpers/aws-calls.ts):
 * each ECR call a docker-style client makes through the ECR API is recorded with its DynamoDB read/write units
 * (ReturnConsumedCapacity, as the embedded DynamoDB computes them), its S3 requests and its duration (the
 * Lambda's billed time, approximately). docs/COST.md turns these counts into a monthly bill.
 * The image: a config and BENCH_LAYERS layers (default 5) of BENCH_LAYER_MIB (default 8) each; a push uploads
 * the config and BENCH_NEW_LAYERS (default 2) new layers, the others already in the registry; a pull fetches all.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { startLocalRegistry } from '../infra/local/registry.ts';
import { recordAwsCalls } from '../test/helpers/aws-calls.ts';
import { useS3Blobs } from '../test/helpers/aws-servers.ts';

const LAYERS = Number(process.env.BENCH_LAYERS ?? 5);
const NEW_LAYERS = Number(process.env.BENCH_NEW_LAYERS ?? 2);
const LAYER_BYTES = Number(process.env.BENCH_LAYER_MIB ?? 8) * 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PART = 4 * 1024 * 1024; // LAYER_PART_SIZE in AWS

type Row = { calls: number; ms: number[]; rru: number; wru: number; s3put: number; s3get: number; other: string[] };
const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-cost-'));
  const recorder = recordAwsCalls();
  const registry = await startLocalRegistry({ dataDir, port: 0, env: { LAYER_PART_SIZE: String(PART) }, sdkTable: true });
  // The S3 calls counted are AWS's: the blobs go through the S3 adapter (on s3rver), not the local filesystem store.
  const stopS3 = await useS3Blobs(registry, join(dataDir, 's3-adapter'));
  const ecr = new ECRClient({
    endpoint: registry.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const rows: Record<string, Row> = {};
  const scenario: Record<'push' | 'pull', Record<string, number>> = { push: {}, pull: {} };
  const s3Gets: Record<'push' | 'pull', number> = { push: 0, pull: 0 };

  /** One ECR call, timed and attributed: the SDK calls it made are recorded under its operation name. */
  async function call<T>(kind: 'push' | 'pull' | 'setup', op: string, send: () => Promise<T>): Promise<T> {
    recorder.label(op);
    const before = recorder.calls.length;
    const t = performance.now();
    const out = await send();
    const ms = performance.now() - t;
    if (kind !== 'setup') {
      const row = (rows[op] ??= { calls: 0, ms: [], rru: 0, wru: 0, s3put: 0, s3get: 0, other: [] });
      row.calls++;
      row.ms.push(ms);
      for (const c of recorder.calls.slice(before)) {
        row.rru += c.readUnits;
        row.wru += c.writeUnits;
        if (c.action === 's3:PutObject' || c.action === 's3:DeleteObject') row.s3put++;
        else if (c.action === 's3:GetObject' && !c.presigned) row.s3get++;
        else if (!c.action.startsWith('dynamodb:') && !c.presigned) row.other.push(c.action);
      }
      scenario[kind][op] = (scenario[kind][op] ?? 0) + 1;
    }
    return out;
  }

  try {
    const repositoryName = 'cost/app';
    await call('setup', 'CreateRepository', () => ecr.send(new CreateRepositoryCommand({ repositoryName })));
    for (let round = 0; round < ROUNDS; round++) {
      // Push: the base layers exist already; the config and the new layers are uploaded.
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', round, nonce: randomBytes(8).toString('hex') }));
      const layers = Array.from({ length: LAYERS }, (_, i) => (round === 0 || i >= LAYERS - NEW_LAYERS ? randomBytes(LAYER_BYTES) : undefined));
      const base = round === 0 ? [] : layers.map((l, i) => l ?? previous[i]);
      const all = layers.map((l, i) => l ?? base[i]!);
      await call('push', 'GetAuthorizationToken', () => ecr.send(new GetAuthorizationTokenCommand({})));
      const blobs = [config, ...all];
      const check = await call('push', 'BatchCheckLayerAvailability', () =>
        ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: blobs.map(digestOf) })),
      );
      const available = new Set((check.layers ?? []).filter((l) => l.layerAvailability === 'AVAILABLE').map((l) => l.layerDigest));
      for (const blob of blobs.filter((b) => !available.has(digestOf(b)))) {
        const { uploadId } = await call('push', 'InitiateLayerUpload', () => ecr.send(new InitiateLayerUploadCommand({ repositoryName })));
        for (let first = 0; first < blob.length; first += PART) {
          const part = blob.subarray(first, first + PART);
          await call('push', 'UploadLayerPart', () =>
            ecr.send(
              new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: first, partLastByte: first + part.length - 1, layerPartBlob: part }),
            ),
          );
        }
        await call('push', 'CompleteLayerUpload', () => ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digestOf(blob)] })));
      }
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
        layers: all.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(l), size: l.length })),
      });
      await call('push', 'PutImage', () => ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, imageTag: `v${round}` })));
      previous = all;
      if (round === 0) {
        for (const k of Object.keys(rows)) delete rows[k];
        scenario.push = {};
        continue;
      } // the first push seeds the base layers

      // Pull: token, manifest, a download URL per blob, and the client's S3 GET of each.
      await call('pull', 'GetAuthorizationToken', () => ecr.send(new GetAuthorizationTokenCommand({})));
      await call('pull', 'BatchGetImage', () => ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: `v${round}` }] })));
      for (const blob of blobs) {
        const { downloadUrl } = await call('pull', 'GetDownloadUrlForLayer', () =>
          ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: digestOf(blob) })),
        );
        await (await fetch(downloadUrl!)).arrayBuffer();
        s3Gets.pull++;
      }
    }
  } finally {
    recorder.stop();
    ecr.destroy();
    await registry.stop();
    await stopS3();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const pushes = ROUNDS - 1;
  console.log(
    `Per operation (averages over ${pushes} pushes and pulls of an image of a config and ${LAYERS} layers of ${LAYER_BYTES / 1048576} MiB, ${NEW_LAYERS} new per push, ${PART / 1048576} MiB parts):\n`,
  );
  console.log('| operation | calls per push | calls per pull | ms (median) | RRU per call | WRU per call | S3 PUT-class per call | S3 GET-class per call |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const totals = { push: { inv: 0, ms: 0, rru: 0, wru: 0, put: 0, get: 0 }, pull: { inv: 0, ms: 0, rru: 0, wru: 0, put: 0, get: s3Gets.pull / pushes } };
  for (const [op, row] of Object.entries(rows)) {
    const med = [...row.ms].sort((a, b) => a - b)[Math.floor(row.ms.length / 2)];
    const per = (n: number) => (n / row.calls).toFixed(2);
    const perPush = (scenario.push[op] ?? 0) / pushes;
    const perPull = (scenario.pull[op] ?? 0) / pushes;
    console.log(
      `| ${op} | ${perPush.toFixed(1)} | ${perPull.toFixed(1)} | ${med.toFixed(1)} | ${per(row.rru)} | ${per(row.wru)} | ${per(row.s3put)} | ${per(row.s3get)} |${row.other.length ? ` also ${[...new Set(row.other)].join(', ')}` : ''}`,
    );
    for (const [kind, n] of [
      ['push', perPush],
      ['pull', perPull],
    ] as const) {
      const t = totals[kind];
      t.inv += n;
      t.ms += n * med;
      t.rru += n * (row.rru / row.calls);
      t.wru += n * (row.wru / row.calls);
      t.put += n * (row.s3put / row.calls);
      t.get += n * (row.s3get / row.calls);
    }
  }
  console.log('\n| per image | Lambda invocations | Lambda ms | RRU | WRU | S3 PUT-class | S3 GET-class |\n| --- | --- | --- | --- | --- | --- | --- |');
  for (const kind of ['push', 'pull'] as const) {
    const t = totals[kind];
    console.log(
      `| ${kind} | ${t.inv.toFixed(1)} | ${t.ms.toFixed(0)} | ${t.rru.toFixed(1)} | ${t.wru.toFixed(1)} | ${t.put.toFixed(1)} | ${t.get.toFixed(1)} |`,
    );
  }
}

let previous: Buffer[] = [];
await main();
