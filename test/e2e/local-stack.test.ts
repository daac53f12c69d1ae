/**
 * The local stack as `npm start` runs it: one TCP listener (the registry's port; the embedded table is on a unix
 * socket in the data directory), a data directory only its owner can read, and data an older version wrote (blobs
 * in s3rver's layout) still served after the start that migrates it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import { startHost } from '../../infra/local/host.ts';
import { configFromEnv } from '../../shared/config.ts';
import { createDeps } from '../../shared/deps.ts';
import { startAwsServers } from '../helpers/aws-servers.ts';
import { ociClient } from '../helpers/oci.ts';
import { startNpm, type Started } from '../helpers/process.ts';
import { ecrClient, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port free at the time of asking. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The ports a process listens on over TCP (IPv4 and IPv6): its socket inodes matched against /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A: LISTEN
      if (inodes.has(fields[9])) ports.push(Number.parseInt(fields[1].split(':').pop()!, 16));
    }
  }
  return ports.sort();
}

/** Every file and directory under `dir` with its permission bits. */
function modes(dir: string): { path: string; mode: number }[] {
  const out: { path: string; mode: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push({ path, mode: statSync(path).mode & 0o777 });
    if (entry.isDirectory()) out.push(...modes(path));
  }
  return out;
}

describe('the local stack', () => {
  it('listens on the registry port alone, and keeps its data directory (0700) and files to its owner', async () => {
    // Prepare
    const dataDir = join(mkdtempSync(join(tmpdir(), 'secr-')), 'data');
    const port = await freePort();
    const started: Started = await startNpm([], { PORT: String(port), REGISTRY_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    cleanups.push(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));
    cleanups.push(async () => {
      started.child.kill('SIGTERM');
      await started.exited;
    });
    const ecr = ecrClient(started.endpoint);
    cleanups.push(() => ecr.destroy());

    // Act: use both stores, so that whatever they open is open.
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'listeners/a' }));
    const oci = await ociClient({ endpoint: started.endpoint, ecr } as TestRegistry);
    const digest = await oci.pushBlob('listeners/a', randomBytes(2000));
    const redirect = await oci.fetch(`/v2/listeners/a/blobs/${digest}`);
    const served = await fetch(redirect.headers.get('location')!);

    // Assess
    expect(served.status).toBe(200);
    expect(listeningPorts(started.serverPid)).toEqual([port]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const everything = modes(dataDir);
    expect(everything.length).toBeGreaterThan(5);
    expect(everything.filter((e) => (e.mode & 0o077) !== 0)).toEqual([]);
  });

  it('serves the blobs and images an older version stored in s3rver, after the start that moves them', async () => {
    // Prepare: the previous version's layout, written as it wrote it (dynalite and s3rver on loopback ports).
    const dataDir = mkdtempSync(join(tmpdir(), 'secr-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const base = configFromEnv({});
    const servers = await startAwsServers({ dataDir, tableName: base.tableName, bucketName: base.bucketName, region: base.region });
    const deps = createDeps({ ...base, dynamodbEndpoint: servers.dynamodbEndpoint, s3Endpoint: servers.s3Endpoint });
    const host = await startHost(deps, '127.0.0.1', 0);
    const oldEcr = ecrClient(`http://127.0.0.1:${host.port}`);
    await oldEcr.send(new CreateRepositoryCommand({ repositoryName: 'old/app' }));
    const oldOci = await ociClient({ endpoint: `http://127.0.0.1:${host.port}`, ecr: oldEcr } as TestRegistry);
    const bytes = randomBytes(300_000);
    const digest = await oldOci.pushBlob('old/app', bytes);
    const config = await oldOci.pushBlob('old/app', Buffer.from('{"architecture":"amd64","os":"linux"}'));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 37 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: bytes.length }],
    });
    expect((await oldOci.pushManifest('old/app', 'v1', manifest)).status).toBe(201);
    oldEcr.destroy();
    await host.close();
    deps.principals.close();
    await servers.close();
    expect(existsSync(join(dataDir, 's3', base.bucketName))).toBe(true);

    // Act
    const registry = await startTestRegistry(dataDir);
    cleanups.push(() => registry.stop());
    const oci = await ociClient(registry);
    const pulledManifest = await oci.fetch('/v2/old/app/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const redirect = await oci.fetch(`/v2/old/app/blobs/${digest}`);
    const blob = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());

    // Assess
    expect(await pulledManifest.text()).toBe(manifest);
    expect(blob.equals(bytes)).toBe(true);
    expect(existsSync(join(dataDir, 's3'))).toBe(false);
  });
});
