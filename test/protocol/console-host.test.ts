/**
 * How the local host serves the web console beside the ECR endpoint: the page for a browser's GET `/`, its assets
 * under `/console/assets/`, and every other request on those paths answered as ECR's endpoint answers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { readConsole } from '../../infra/local/console.ts';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(async () => {
  await registry?.destroy();
});

const errorType = async (res: Response) => ((await res.json()) as { __type: string }).__type;

describe('the web console on the local host', () => {
  it("serves the console's page to a browser's GET /, with a policy that lets it load only its own files and call only its own origin", async () => {
    const res = await fetch(`${registry.endpoint}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const page = await res.text();
    expect(page).toMatch(/<script type="module" crossorigin src="\/console\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(page).toContain(`aws --endpoint-url ${registry.endpoint} ecr describe-repositories`);
  });

  it('serves every asset of the bundle under /console/assets/ with its type, cached for good (the names carry a content hash)', async () => {
    const assets = [...readConsole()!.assets.entries()];
    expect(assets.length).toBeGreaterThan(0);
    for (const [path, asset] of assets) {
      const res = await fetch(`${registry.endpoint}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(asset.type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(asset.base64, 'base64'))).toBe(true);
    }
  });

  it("answers GET / from an API client, an unknown or escaping /console/ path and a POST to an asset as ECR's endpoint does", async () => {
    const asset = [...readConsole()!.assets.keys()][0];
    const answers = [
      await fetch(`${registry.endpoint}/`),
      await fetch(`${registry.endpoint}/console/assets/missing.js`),
      await fetch(`${registry.endpoint}/console/assets/..%2f..%2f..%2fpackage.json`),
      await fetch(`${registry.endpoint}/console/`),
      await fetch(`${registry.endpoint}${asset}`, { method: 'POST', body: '{}' }),
    ];
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(await Promise.all(answers.map(errorType))).toEqual(Array(5).fill('MissingAuthenticationTokenException'));
  });
});
