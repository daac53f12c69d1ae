/**
 * The console's only way to the registry: the public ECR API through @aws-sdk/client-ecr, SigV4-signed in the page
 * with the signed-in key, against the page's own origin (the registry's endpoint). The page can do nothing the
 * API does not allow the principal.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import type { Credentials } from './session.ts';

let client: { key: string; ecr: ECRClient } | undefined;

/** One client per signed-in key, signing for the endpoint that served the page. */
export function ecr(credentials: Credentials): ECRClient {
  const key = JSON.stringify(credentials);
  if (client?.key !== key) {
    client?.ecr.destroy();
    client = {
      key,
      ecr: new ECRClient({
        endpoint: window.location.origin,
        region: credentials.region,
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
        },
        maxAttempts: 2,
      }),
    };
  }
  return client.ecr;
}

/** The wire error name of a failed call (the ECR `__type`), or the JavaScript error's name. */
export const errorName = (e: unknown): string => (e instanceof Error ? e.name : 'Error');

/** The message a failed call carried. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Every page of a paginated call, stopping once `limit` items are in (`complete` false when pages were left). */
export async function allPages<T>(
  page: (nextToken?: string) => Promise<{ items: T[]; nextToken?: string }>,
  limit = 10_000,
): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    items.push(...out.items);
    token = out.nextToken;
  } while (token && items.length < limit);
  return { items, complete: !token };
}

/** Runs at most `n` of the calls given to it at a time (the repositories page counts every repository's images). */
export function limiter(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await call();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
