/**
 * A seeded fuzz test: generated hostile requests to every ECR operation (inputs built from the model's shapes, with
 * hostile values mixed in) and to every OCI route of a real local registry. Asserts no 5xx, every error a modelled
 * ECR `__type` or an OCI code, the server alive and its memory bounded. No property-based library: a small seeded
 * generator (test/helpers/interleave.ts `seeded`), so a failure names its seed and request and replays.
 * FUZZ_REQUESTS sets the number of requests (default 400, well under a minute); FUZZ_SEED the seed.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import model from '../../shared/model/ecr-model.json' with { type: 'json' };
import * as errors from '../../shared/errors.ts';
import { OCI_ERRORS } from '../../shared/oci/errors.ts';
import { digestOf } from '../../shared/registry/manifests.ts';
import { seeded } from '../helpers/interleave.ts';
import { imageManifest, pushBlobs } from '../helpers/images.ts';
import { ociClient, type Oci } from '../helpers/oci.ts';
import { CREDENTIALS, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 12);
const REPO = 'fuzz/repo';
const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';

type Shape = { t: string; m?: Record<string, { s: string; r?: number }>; s?: string; k?: string; v?: string; min?: number; max?: number; enum?: string[] };
const SHAPES = (model as unknown as { shapes: Record<string, Shape> }).shapes;
const OPERATIONS = (model as unknown as { operations: Record<string, { input: string; errors: string[] }> }).operations;
/** Every __type the registry may answer: the model's errors and the protocol's own. */
const ECR_TYPES = new Set([
  ...Object.values(OPERATIONS).flatMap((o) => o.errors),
  ...Object.values(errors)
    .filter((e): e is typeof errors.EcrError => typeof e === 'function' && e.prototype instanceof errors.EcrError)
    .map((e) => e.name),
]);
const OCI_CODES = new Set(Object.keys(OCI_ERRORS));
/** Answered by Node's HTTP parser before any handler runs (headers over 16 KiB): no body to check. */
const TRANSPORT_STATUSES = new Set([431]);

let registry: TestRegistry;
let oci: Oci;
let digest: string;
let layer: string;
beforeAll(async () => {
  registry = await startTestRegistry();
  oci = await ociClient(registry);
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
  const blobs = await pushBlobs(registry.ecr, REPO, 1);
  const text = imageManifest(blobs);
  await registry.ecr.send(new PutImageCommand({ repositoryName: REPO, imageManifest: text, imageTag: 'v1' }));
  digest = digestOf(text);
  layer = blobs.layers[0].digest;
});
afterAll(async () => {
  await registry?.destroy();
});

/** Hostile strings: encodings, unicode edges, huge numbers, path tricks, and the real names now and then. */
function hostileString(random: () => number): string {
  const pool = [
    '',
    ' ',
    REPO,
    'v1',
    digest,
    layer,
    'sha256:',
    `sha256:${'0'.repeat(64)}`,
    `sha512:${'f'.repeat(128)}`,
    '%zz',
    '%',
    '%00',
    '%E0%A4%A',
    '\u0000',
    '\uffff',
    '\ud800',
    '\u{10ffff}',
    '../../etc/passwd',
    'a'.repeat(300),
    'x'.repeat(70_000),
    '9'.repeat(40),
    '-1',
    '1e309',
    'NaN',
    '{"a":',
    '<xml/>',
    'UPPER/Case',
    'null',
    '*',
  ];
  const s = pool[Math.floor(random() * pool.length)];
  return random() < 0.2 ? s + hostileString(random) : s;
}

/** A value for a model shape: mostly the right type, sometimes any hostile JSON value. */
function valueFor(shapeName: string, random: () => number, depth = 0): unknown {
  if (random() < 0.15 || depth > 5) return anyValue(random, depth);
  const shape = SHAPES[shapeName] ?? { t: 'string' };
  switch (shape.t) {
    case 'structure':
      return Object.fromEntries(
        Object.entries(shape.m ?? {})
          .filter(([, m]) => m.r || random() < 0.5)
          .map(([name, m]) => [name, valueFor(m.s, random, depth + 1)]),
      );
    case 'list': {
      const n = random() < 0.05 ? 200 : Math.floor(random() * 4);
      return Array.from({ length: n }, () => valueFor(shape.s!, random, depth + 1));
    }
    case 'map':
      return { [hostileString(random)]: valueFor(shape.v ?? 'String', random, depth + 1) };
    case 'integer':
    case 'long':
    case 'double':
      return [0, -1, 1, 2 ** 31, 2 ** 53, 1e308, -0, 0.5][Math.floor(random() * 8)];
    case 'boolean':
      return random() < 0.5;
    case 'timestamp':
      return [0, -1, 1e15, 1.5e9][Math.floor(random() * 4)];
    case 'blob':
      return random() < 0.5 ? Buffer.from(hostileString(random)).toString('base64') : hostileString(random);
    default:
      return shape.enum && random() < 0.5 ? shape.enum[Math.floor(random() * shape.enum.length)] : hostileString(random);
  }
}

function anyValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * 7);
  if (pick === 0) return null;
  if (pick === 1) return 1e308;
  if (pick === 2) return true;
  if (pick === 3 && depth < 5) return [anyValue(random, depth + 1)];
  if (pick === 4 && depth < 5) return { [hostileString(random)]: anyValue(random, depth + 1) };
  return hostileString(random);
}

async function ecrCall(random: () => number): Promise<{ what: string; status: number; body: string }> {
  const names = Object.keys(OPERATIONS);
  const operation = random() < 0.05 ? hostileString(random) : names[Math.floor(random() * names.length)];
  const roll = random();
  const body = roll < 0.05 ? hostileString(random) : roll < 0.1 ? '{"a":'.repeat(50) : JSON.stringify(valueFor(OPERATIONS[operation]?.input ?? 'x', random));
  const url = new URL(registry.endpoint);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET + operation };
  const signer = new SignatureV4({ service: 'ecr', region: 'us-east-1', credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  let sent = headers;
  try {
    sent = (
      await signer.sign(new HttpRequest({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/', headers, body }))
    ).headers;
  } catch {
    /* an operation name no header may carry: sent unsigned */
  }
  const { host: _host, ...fetchHeaders } = sent;
  try {
    const res = await fetch(`${registry.endpoint}/`, { method: 'POST', headers: fetchHeaders, body });
    return { what: `${operation} ${body.slice(0, 300)}`, status: res.status, body: await res.text() };
  } catch (e) {
    // fetch itself refuses some header values (a target with control characters): not a request the server saw.
    if ((e as Error).name === 'TypeError') return { what: `${operation} (not sendable)`, status: 0, body: '' };
    throw e;
  }
}

async function ociCall(random: () => number): Promise<{ what: string; status: number; body: string; method: string; reachedOci?: boolean }> {
  const encoded = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return '%ED%A0%80'; // a lone surrogate, as its UTF-8-like bytes
    }
  };
  const part = () => (random() < 0.5 ? hostileString(random) : encoded(hostileString(random)));
  const name = random() < 0.6 ? REPO : part();
  const paths = [
    `/v2/${name}/tags/list?n=${part()}&last=${part()}`,
    `/v2/${name}/manifests/${random() < 0.3 ? digest : part()}`,
    `/v2/${name}/blobs/${random() < 0.3 ? layer : part()}`,
    `/v2/${name}/blobs/uploads/?digest=${part()}&mount=${part()}&from=${part()}`,
    `/v2/${name}/blobs/uploads/${part()}?digest=${part()}`,
    `/v2/${name}/referrers/${random() < 0.3 ? digest : part()}?artifactType=${part()}`,
    `/v2/_catalog?n=${part()}&last=${part()}`,
    `/v2/${part()}`,
  ];
  const path = paths[Math.floor(random() * paths.length)];
  const methods = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'];
  const method = methods[Math.floor(random() * methods.length)];
  const headers: Record<string, string> = {};
  if (random() < 0.3) headers.range = `bytes=${part()}-${part()}`;
  if (random() < 0.3) headers['content-range'] = `${part()}-${part()}`;
  if (random() < 0.3) headers['content-type'] = random() < 0.5 ? 'application/vnd.oci.image.manifest.v1+json' : part();
  if (random() < 0.2) headers.accept = part();
  const body =
    method === 'GET' || method === 'HEAD' || random() < 0.3 ? undefined : random() < 0.5 ? hostileString(random) : JSON.stringify(anyValue(random, 0));
  let res: Response;
  try {
    res = await oci.fetch(path, { method, headers, body, auth: random() < 0.05 ? 'Basic %%%' : undefined });
  } catch (e) {
    if ((e as Error).name === 'TypeError') return { what: `${method} ${path} (not sendable)`, status: 0, body: '', method };
    throw e;
  }
  // fetch resolves dot segments (/v2/../x is sent as /x): such a request reaches the ECR endpoint, not the OCI API.
  const reachedOci = new URL(registry.endpoint + path).pathname.startsWith('/v2');
  return { what: `${method} ${path} ${JSON.stringify(headers)}`, status: res.status, body: method === 'HEAD' ? '' : await res.text(), method, reachedOci };
}

describe(`fuzz: ${REQUESTS} generated hostile requests (seed ${SEED})`, () => {
  it('no request is answered 5xx, every error is a modelled __type or OCI code, and the server stays up with bounded memory', async () => {
    const random = seeded(SEED);
    const rssBefore = process.memoryUsage().rss;
    const problems: string[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      if (random() < 0.5) {
        const r = await ecrCall(random);
        if (r.status === 0 || TRANSPORT_STATUSES.has(r.status)) continue;
        if (r.status >= 500) problems.push(`#${i} ECR ${r.status} ${r.what} -> ${r.body.slice(0, 200)}`);
        else if (r.status >= 400) {
          const type = (() => {
            try {
              return JSON.parse(r.body).__type as string;
            } catch {
              return undefined;
            }
          })();
          if (!type || !ECR_TYPES.has(type)) problems.push(`#${i} ECR ${r.status} without a modelled __type: ${r.what} -> ${r.body.slice(0, 200)}`);
        }
      } else {
        const r = await ociCall(random);
        if (r.status === 0 || TRANSPORT_STATUSES.has(r.status)) continue;
        if (r.status >= 500) problems.push(`#${i} OCI ${r.status} ${r.what} -> ${r.body.slice(0, 200)}`);
        else if (r.status >= 400 && r.method !== 'HEAD') {
          const code = (() => {
            try {
              const parsed = JSON.parse(r.body);
              return (r.reachedOci ? parsed.errors?.[0]?.code : parsed.__type) as string;
            } catch {
              return undefined;
            }
          })();
          if (!code || !(r.reachedOci ? OCI_CODES : ECR_TYPES).has(code))
            problems.push(`#${i} OCI ${r.status} without an OCI code: ${r.what} -> ${r.body.slice(0, 200)}`);
        }
      }
    }

    expect(problems).toEqual([]);
    expect((await fetch(`${registry.endpoint}/health`)).status).toBe(200);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
  }, 120_000);
});
