/**
 * TLS on the local host (TLS_CERT_FILE, TLS_KEY_FILE): the one port speaks HTTPS to the SDK and to skopeo, which
 * trust a certificate made for the test and need no insecure-registry setting; download URLs are https too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { writeImage, writeIndex } from '../helpers/oci-layout.ts';
import { CREDENTIALS, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const run = promisify(execFile);

let work: string;
let registry: TestRegistry;
let ecr: ECRClient;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'secr-tls-'));
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    join(work, 'key.pem'),
    '-out',
    join(work, 'cert.pem'),
  ]);
  registry = await startTestRegistry(undefined, { TLS_CERT_FILE: join(work, 'cert.pem'), TLS_KEY_FILE: join(work, 'key.pem') });
  ecr = new ECRClient({
    endpoint: registry.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(join(work, 'cert.pem')) }) }),
  });
});
afterAll(async () => {
  ecr?.destroy();
  await registry?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('TLS on the local host', () => {
  it('answers the SDK over HTTPS with an https proxy endpoint', async () => {
    // Act
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'tls/app' }));
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));

    // Assess
    expect(registry.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(token.authorizationData![0].proxyEndpoint).toBe(registry.endpoint);
  });

  it('takes a skopeo push and serves its pull, trusting only the certificate given to it', async () => {
    // Prepare
    const src = join(work, 'src');
    const image = writeImage(src, [40_000, 1000]);
    writeIndex(src, [{ tag: 'v1', manifest: image.manifest }]);
    const certs = join(work, 'certs');
    mkdirSync(certs, { recursive: true });
    copyFileSync(join(work, 'cert.pem'), join(certs, 'ca.crt'));
    const token = await ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(token.authorizationData![0].authorizationToken!, 'base64').toString().slice(4);
    const host = new URL(registry.endpoint).host;
    const dest = join(work, 'pulled');

    // Act
    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--dest-cert-dir',
      certs,
      '--dest-creds',
      `AWS:${password}`,
      `oci:${src}:v1`,
      `docker://${host}/tls/app:v1`,
    ]);
    await run('skopeo', ['--insecure-policy', 'copy', '--src-cert-dir', certs, '--src-creds', `AWS:${password}`, `docker://${host}/tls/app:v1`, `dir:${dest}`]);
    const refused = await run('skopeo', ['--insecure-policy', 'inspect', '--creds', `AWS:${password}`, `docker://${host}/tls/app:v1`]).then(
      () => 'accepted',
      (e: Error & { stderr: string }) => e.stderr,
    );
    const { downloadUrl } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'tls/app', layerDigest: JSON.parse(image.manifest).layers[0].digest }),
    );

    // Assess
    const digest = JSON.parse(image.manifest).layers[0].digest as string;
    expect(readFileSync(join(dest, digest.slice(7))).equals(image.layers[0])).toBe(true);
    expect(refused).toMatch(/certificate/);
    expect(downloadUrl).toMatch(new RegExp(`^https://${host.replace('.', '\\.')}/_blobs/`));
  });
});
