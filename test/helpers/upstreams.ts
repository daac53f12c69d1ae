/**
 * Upstream registries for the pull-through-cache tests, on loopback: CNCF distribution (Debian `docker-registry`)
 * with an htpasswd file or anonymous, and a bearer-token front (the token spec's challenge, a token service that
 * checks Basic credentials, then the requests proxied to a distribution behind it). Each counts the requests it serves.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Distribution = {
  url: string;
  host: string;
  stop(): Promise<void>;
  start(): Promise<void>;
};

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = netServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** distribution serving `dir`, anonymous or with one htpasswd user; stoppable and startable again on the same port. */
export async function startDistribution(dir: string, user?: { username: string; password: string }): Promise<Distribution> {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  let auth = '';
  if (user) {
    const line = execFileSync('htpasswd', ['-Bbn', user.username, user.password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    auth = `auth:\n  htpasswd:\n    realm: test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const start = async () => {
    child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await fetch(`${url}/v2/`).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('docker-registry did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return { url, host: `127.0.0.1:${port}`, start, stop };
}

export type BearerFront = {
  url: string;
  host: string;
  /** Requests under /v2/ it answered, by method and path. */
  requests: string[];
  /** Token requests it answered (with their scope). */
  tokenRequests: string[];
  close(): Promise<void>;
};

/**
 * The bearer-token flow in front of `backend` (an anonymous distribution): /v2/... without a valid token gets 401
 * with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`; GET /token with the right Basic credentials
 * issues a token for `expiresIn` seconds; requests with a live token are proxied.
 */
export async function startBearerFront(backend: string, user: { username: string; password: string }, expiresIn = 300): Promise<BearerFront> {
  const issued = new Map<string, number>();
  const requests: string[] = [];
  const tokenRequests: string[] = [];
  const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url!, base);
    if (url.pathname === '/token') {
      tokenRequests.push(url.searchParams.get('scope') ?? '');
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const token = randomBytes(16).toString('hex');
      issued.set(token, Date.now() + expiresIn * 1000);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: expiresIn }));
      return;
    }
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || (issued.get(token) ?? 0) < Date.now()) {
      const repo = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\//.exec(url.pathname)?.[1];
      const scope = repo ? `,scope="repository:${repo}:pull"` : '';
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test-upstream"${scope}`, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    requests.push(`${req.method} ${url.pathname}`);
    const upstream = await fetch(`${backend}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers.accept ? { accept: req.headers.accept } : {},
    });
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    res.writeHead(upstream.status, headers);
    if (upstream.body) for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return { url: base, host: `127.0.0.1:${port}`, requests, tokenRequests, close: () => new Promise((r) => server.close(() => r())) };
}
