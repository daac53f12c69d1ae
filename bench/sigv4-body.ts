/**
 * Benchmark of what unauthenticated bodies cost the local host. Run: `npm run bench:sigv4-body` (about a minute).
 * For each case a fresh registry process gets 4 concurrent POST / UploadLayerPart requests of a 20 MiB part
 * (27 MB of JSON, ECR's largest legitimate request), written whole by the client, and the registry's peak RSS
 * (VmHWM) is read before and after: unsigned, an unknown access key, a known key with a wrong signature, and
 * correctly signed (refused later, for an upload that does not exist) for comparison.
 * `BENCH_PROJECT=<dir>` runs the registry of another checkout (e.g. /work/main) for a before/after comparison.
 */
import { request } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startRegistryProcess } from './lib.ts';

if (process.env.BENCH_PROJECT) process.chdir(process.env.BENCH_PROJECT);

const PART = 20 * 1024 * 1024;
const body = JSON.stringify({
  repositoryName: 'bench/app',
  uploadId: '00000000-0000-0000-0000-000000000000',
  partFirstByte: 0,
  partLastByte: PART - 1,
  layerPartBlob: Buffer.alloc(PART, 7).toString('base64'),
});
const TARGET = 'AmazonEC2ContainerRegistry_V20150921.UploadLayerPart';

type Case = { name: string; credentials?: { accessKeyId: string; secretAccessKey: string } };
const CASES: Case[] = [
  { name: 'unsigned' },
  { name: 'unknown access key', credentials: { accessKeyId: 'AKIANOBODY00000001', secretAccessKey: 'nobody-secret-000000' } },
  { name: 'known key, wrong signature', credentials: { accessKeyId: 'test', secretAccessKey: 'wrong-secret-0000000' } },
  { name: 'correctly signed', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
];

async function headersFor(endpoint: string, credentials: Case['credentials']): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET };
  if (!credentials) return headers;
  const signer = new SignatureV4({ service: 'ecr', region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body }),
  );
  return signed.headers;
}

/** One request: its status and error type, and whether the answer came before the client had written its whole body. */
function send(endpoint: string, headers: Record<string, string>): Promise<{ status: number; type: string; early: boolean }> {
  return new Promise((resolve) => {
    let written = false;
    const req = request(`${endpoint}/`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const early = !written;
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: JSON.parse(Buffer.concat(chunks).toString() || '{}').__type ?? '', early }));
    });
    req.on('error', () => {
      /* the registry may close the connection after answering early */
    });
    req.end(body, () => {
      written = true;
    });
  });
}

console.log(`4 concurrent requests of ${Buffer.byteLength(body)} bytes each, registry of ${process.cwd()}`);
console.log('| case | answer | answered before the body was sent | peak RSS before | peak RSS after | growth |');
console.log('| --- | --- | --- | --- | --- | --- |');
let port = 5710;
for (const c of CASES) {
  const registry = await startRegistryProcess(port++, { LOG_LEVEL: 'silent' });
  try {
    const before = registry.peakRssMb();
    const headers = await headersFor(registry.endpoint, c.credentials);
    const answers = await Promise.all(Array.from({ length: 4 }, () => send(registry.endpoint, headers)));
    const after = registry.peakRssMb();
    const answer = [...new Set(answers.map((a) => `${a.status} ${a.type}`))].join(', ');
    const early = answers.filter((a) => a.early).length;
    console.log(`| ${c.name} | ${answer} | ${early} of 4 | ${before} MB | ${after} MB | ${after - before} MB |`);
  } finally {
    await registry.stop();
  }
}
