/**
 * The web console's static files as the local host serves them: its page (console/dist/index.html, built by Vite
 * and committed, so `npm start` needs no build step) for a browser's GET `/`, and its assets under `/console/`.
 * The files are read once, at the first request; a missing bundle leaves the host's short index in its place.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResult } from '../../shared/protocol/http.ts';
import { CONSOLE_CSP, CONSOLE_PREFIX } from '../console.ts';

export { CONSOLE_PREFIX };

/** Where the built console lives. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));
/** Where in the page the host writes its endpoint help (console/index.html). */
const HELP_MARKER = '<!--endpoint-help-->';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The headers the page is served with (the same as the CloudFront response headers policy, infra/deploy/console.ts). */
export const CONSOLE_SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type Asset = { type: string; base64: string };
export type ConsoleFiles = { index: string; assets: Map<string, Asset> };

let loaded: ConsoleFiles | undefined | null = null;

/** The built console in `dir` (its page and every file under assets/), or undefined when it is not there. */
export function readConsole(dir = CONSOLE_DIST): ConsoleFiles | undefined {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  const assets = new Map<string, Asset>();
  const assetDir = join(dir, 'assets');
  for (const name of existsSync(assetDir) ? readdirSync(assetDir) : []) {
    const type = TYPES[extname(name)];
    if (type) assets.set(`${CONSOLE_PREFIX}assets/${name}`, { type, base64: readFileSync(join(assetDir, name)).toString('base64') });
  }
  return { index: readFileSync(indexFile, 'utf8'), assets };
}

function files(): ConsoleFiles | undefined {
  if (loaded === null) loaded = readConsole();
  return loaded;
}

/** The console page with `help` (HTML) in its footer, or undefined when no console is built. */
export function consolePage(help: string): HttpResult | undefined {
  const console = files();
  if (!console) return undefined;
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', ...CONSOLE_SECURITY_HEADERS },
    body: console.index.replace(HELP_MARKER, help),
  };
}

/** One of the console's assets by its path (`/console/assets/<hashed name>`), cached for good; undefined for any other path. */
export function consoleAsset(path: string): HttpResult | undefined {
  const asset = files()?.assets.get(path);
  if (!asset) return undefined;
  return {
    statusCode: 200,
    headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' },
    body: asset.base64,
    isBase64Encoded: true,
  };
}
