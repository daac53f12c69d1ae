/**
 * Replication latency: the time from a push (PutImage answered) to COMPLETE in DescribeImageReplicationStatus, for
 * an image of 10 layers of 10 MiB each, between two local registries in one process (account 111111111111 in
 * us-east-1 to 222222222222 in eu-west-1, cross-account through the destination's registry policy). Each run pushes
 * fresh random layers (so every byte crosses), through the source's ECR API; the copy goes through the
 * destination's ECR API as replication always does. Then backfill throughput: BENCH_BACKFILL_IMAGES (default 200)
 * small images (one shared 1 KiB layer, a config each) pushed before their rule, and the images per second of a
 * StartReplicationBackfill from its start to COMPLETE. Run: `npm run bench:replication` (BENCH_RUNS, default 3).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateRepositoryCommand,
  DescribeImageReplicationStatusCommand,
  DescribeReplicationBackfillResultsCommand,
  StartReplicationBackfillCommand,
  ECRClient,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { startLocalRegistry } from '../infra/local/registry.ts';
import { imageManifest, pushBlobs, putManifest } from '../test/helpers/images.ts';
import { pushLayer } from '../test/helpers/layers.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LAYERS = 10;
const LAYER_BYTES = 10 * 1024 * 1024;
const SOURCE = { registryId: '111111111111', region: 'us-east-1' };
const DEST = { registryId: '222222222222', region: 'eu-west-1' };
const KEY = { accessKeyId: 'AKIAREPL000000000001', secretAccessKey: 'replication-secret-0001' };
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };

const work = mkdtempSync(join(tmpdir(), 'bench-replication-'));
const iam = join(work, 'principals.json');
writeFileSync(
  iam,
  JSON.stringify({
    principals: [
      {
        arn: `arn:aws:iam::${SOURCE.registryId}:role/ecr-replication`,
        accessKeys: [KEY],
        policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'], Resource: '*' }] }],
      },
    ],
  }),
);
const dest = await startLocalRegistry({
  dataDir: join(work, 'dest'),
  port: 0,
  hostname: '127.0.0.1',
  env: { REGISTRY_ID: DEST.registryId, AWS_REGION: DEST.region, REGISTRY_IAM_FILE: iam, LOG_LEVEL: 'warn' },
});
const peers = join(work, 'peers.json');
writeFileSync(peers, JSON.stringify({ peers: [{ ...DEST, endpoint: dest.endpoint, ...KEY }] }));
const source = await startLocalRegistry({
  dataDir: join(work, 'source'),
  port: 0,
  hostname: '127.0.0.1',
  env: { REGISTRY_ID: SOURCE.registryId, AWS_REGION: SOURCE.region, REGISTRY_PEERS_FILE: peers, LOG_LEVEL: 'warn' },
});
const ecr = new ECRClient({ endpoint: source.endpoint, region: SOURCE.region, credentials: ROOT, maxAttempts: 1 });
const destEcr = new ECRClient({ endpoint: dest.endpoint, region: DEST.region, credentials: ROOT, maxAttempts: 1 });
await destEcr.send(
  new PutRegistryPolicyCommand({
    policyText: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${SOURCE.registryId}:root` },
          Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
          Resource: `arn:aws:ecr:${DEST.region}:${DEST.registryId}:repository/*`,
        },
      ],
    }),
  }),
);
const latencyRule = { destinations: [DEST], repositoryFilters: [{ filter: 'bench/', filterType: 'PREFIX_MATCH' as const }] };
await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration: { rules: [latencyRule] } }));
const BACKFILL_IMAGES = Number(process.env.BENCH_BACKFILL_IMAGES ?? 200);

const times: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const repositoryName = `bench/app-${run}`;
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const blobs = await pushBlobs(ecr, repositoryName, LAYERS, LAYER_BYTES);
    const started = performance.now();
    const digest = await putManifest(ecr, repositoryName, imageManifest(blobs), 'v1');
    for (;;) {
      const out = await ecr.send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId: { imageDigest: digest } }));
      const status = out.replicationStatuses?.[0];
      if (status?.status === 'COMPLETE') break;
      if (status?.status === 'FAILED') throw new Error(`replication failed: ${status.failureCode}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    times.push((performance.now() - started) / 1000);
    console.log(`run ${run + 1}: ${times.at(-1)!.toFixed(2)} s from push to COMPLETE (${LAYERS} x ${LAYER_BYTES / 1024 / 1024} MiB)`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mb = (LAYERS * LAYER_BYTES) / 1024 / 1024;
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `median ${median.toFixed(2)} s (${(mb / median).toFixed(0)} MiB/s), min ${sorted[0].toFixed(2)} s, max ${sorted.at(-1)!.toFixed(2)} s over ${RUNS} runs`,
  );

  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'old/app' }));
  const layer = await pushBlobs(ecr, 'old/app', 1, 1024);
  for (let i = 0; i < BACKFILL_IMAGES; i++) {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: i }));
    const digest = await pushLayer(ecr, 'old/app', config);
    await putManifest(ecr, 'old/app', imageManifest({ config: { bytes: config, size: config.length, digest }, layers: layer.layers }), `v${i}`);
  }
  await ecr.send(
    new PutReplicationConfigurationCommand({
      replicationConfiguration: { rules: [latencyRule, { destinations: [DEST], repositoryFilters: [{ filter: 'old/', filterType: 'PREFIX_MATCH' }] }] },
    }),
  );
  const started = performance.now();
  const { replicationBackfillId } = await ecr.send(new StartReplicationBackfillCommand({ destination: DEST }));
  let out = await ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId }));
  while (!['COMPLETE', 'FAILED', 'STOPPED'].includes(out.status!)) {
    await new Promise((r) => setTimeout(r, 50));
    out = await ecr.send(new DescribeReplicationBackfillResultsCommand({ replicationBackfillId }));
  }
  const seconds = (performance.now() - started) / 1000;
  const images = out.progress?.completedReplicationCount ?? 0;
  console.log(`backfill ${out.status}: ${images} images in ${seconds.toFixed(2)} s, ${(images / seconds).toFixed(1)} images/s`);
} finally {
  ecr.destroy();
  destEcr.destroy();
  await source.stop();
  await dest.stop();
  rmSync(work, { recursive: true, force: true });
}
