/**
 * Benchmark of authorization (issue: who may do what). Run: `npm run bench:iam` (about half a minute).
 * 1. One decision of the evaluator over a principal with five identity policies and a repository policy of ten
 *    statements with conditions: microseconds per decision (the policies parsed once, as the registry keeps them).
 * 2. BatchGetImage requests/s from 1 and 8 clients against two registries in the same run: one without a principals
 *    file (the root key), one with REGISTRY_IAM_FILE and a repository policy, called by a principal of the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetImageCommand, CreateRepositoryCommand, ECRClient, PutImageCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { evaluate } from '../shared/iam/evaluate.ts';
import { managedPolicy } from '../shared/iam/managed.ts';
import { parsePolicy } from '../shared/iam/policy.ts';
import { fmt, load, startRegistryProcess } from './lib.ts';

const ACCOUNT = '123456789012';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const root = { accessKeyId: 'test', secretAccessKey: 'test' };
const user = { accessKeyId: 'AKIABENCH0000000001', secretAccessKey: 'bench-secret-000000000' };
const REPO = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/bench/app`;

/** A repository policy of ten statements, a few with conditions, none of them the one that decides. */
const repositoryPolicy = {
  Version: '2012-10-17',
  Statement: Array.from({ length: 10 }, (_, i) => ({
    Sid: `s${i}`,
    Effect: i === 9 ? 'Allow' : i % 3 === 0 ? 'Deny' : 'Allow',
    Principal: { AWS: i === 9 ? `arn:aws:iam::${ACCOUNT}:user/bench` : `arn:aws:iam::${String(100000000000 + i)}:root` },
    Action: i === 9 ? ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] : [`ecr:Describe*`, 'ecr:List*'],
    ...(i % 2 && i !== 9 ? { Condition: { StringEquals: { 'aws:ResourceTag/team': `t${i}` }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } } : {}),
  })),
};
const identityPolicies = [
  managedPolicy('arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly')!,
  ...Array.from({ length: 4 }, (_, i) =>
    parsePolicy({ Statement: [{ Effect: i === 0 ? 'Deny' : 'Allow', Action: `ecr:Put${i}*`, Resource: `arn:aws:ecr:*:${ACCOUNT}:repository/team-${i}/*` }] }),
  ),
];

function decisions(): string {
  const resource = [parsePolicy(repositoryPolicy)];
  const request = {
    caller: { arn: `arn:aws:iam::${ACCOUNT}:user/bench`, account: ACCOUNT },
    action: 'ecr:BatchGetImage',
    resource: REPO,
    context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/bench`, 'aws:SourceIp': '127.0.0.1', 'aws:ResourceTag/team': 'x' },
  };
  const policies = { identity: identityPolicies, resource, resourceAccount: ACCOUNT };
  for (let i = 0; i < 10_000; i++) evaluate(request, policies); // warm up
  const n = 200_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (!evaluate(request, policies).allowed) throw new Error('the benchmark request must be allowed');
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  return `| one decision: 5 identity policies, a 10-statement repository policy | ${fmt(us, 2)} µs | ${fmt(1e6 / us / 1000, 0)}k decisions/s |`;
}

async function seed(endpoint: string, credentials: typeof root, withPolicy: boolean) {
  const ecr = new ECRClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/app' }));
  const config = '{"architecture":"amd64","os":"linux"}';
  // An image list needs no layers: an index of no manifests is the smallest valid image to pull.
  await ecr.send(
    new PutImageCommand({
      repositoryName: 'bench/app',
      imageTag: 'v1',
      imageManifest: JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [], annotations: { config } }),
    }),
  );
  if (withPolicy) await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'bench/app', policyText: JSON.stringify(repositoryPolicy) }));
  ecr.destroy();
}

async function main() {
  const lines = ['| measurement | time | rate / ratio |', '| --- | --- | --- |', decisions()];
  const dir = mkdtempSync(join(tmpdir(), 'secr-bench-iam-'));
  const file = join(dir, 'principals.json');
  writeFileSync(
    file,
    JSON.stringify({
      principals: [
        {
          arn: `arn:aws:iam::${ACCOUNT}:user/bench`,
          accessKeys: [user],
          policies: [
            { Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }] },
            ...[1, 2, 3, 4].map((i) => ({
              Statement: [{ Effect: 'Allow', Action: `ecr:Put${i}*`, Resource: `arn:aws:ecr:*:${ACCOUNT}:repository/team-${i}/*` }],
            })),
          ],
        },
      ],
    }),
  );
  // Not 5060 or 5061: fetch refuses those ports (the Fetch standard's bad ports).
  const port = Number(process.env.BENCH_PORT ?? 5071);
  const plain = await startRegistryProcess(port, { REGISTRY_ID: ACCOUNT, LOG_LEVEL: 'silent' });
  let iam: Awaited<ReturnType<typeof startRegistryProcess>> | undefined;
  try {
    iam = await startRegistryProcess(port + 1, { REGISTRY_ID: ACCOUNT, REGISTRY_IAM_FILE: file, LOG_LEVEL: 'silent' });
    await seed(plain.endpoint, root, false);
    await seed(iam.endpoint, root, true);
    for (const clients of [1, 8]) {
      const rate = async (endpoint: string, credentials: typeof root) => {
        const ecr = new ECRClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
        const result = await load(clients, SECONDS, () => ecr.send(new BatchGetImageCommand({ repositoryName: 'bench/app', imageIds: [{ imageTag: 'v1' }] })));
        ecr.destroy();
        return result;
      };
      const without = await rate(plain.endpoint, root);
      const withFile = await rate(iam!.endpoint, user);
      lines.push(
        `| BatchGetImage, ${clients} client${clients > 1 ? 's' : ''}, no principals file (root key) | ${fmt(without.rps, 0)} req/s | p50 ${fmt(without.p50)} ms, p99 ${fmt(without.p99)} ms |`,
      );
      lines.push(
        `| BatchGetImage, ${clients} client${clients > 1 ? 's' : ''}, principals file + repository policy | ${fmt(withFile.rps, 0)} req/s | p50 ${fmt(withFile.p50)} ms, p99 ${fmt(withFile.p99)} ms, ${fmt(withFile.rps / without.rps, 2)}x |`,
      );
    }
  } finally {
    await plain.stop();
    await iam?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(lines.join('\n'));
}

await main();
