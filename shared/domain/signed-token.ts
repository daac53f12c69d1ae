/**
 * Opaque, tamper-evident tokens: base64url(JSON) + "." + base64url(HMAC-SHA256). Used for ECR
 * pagination tokens (bound to one listing scope so a token cannot be replayed against another
 * repository) and for the registry authorization tokens.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signs a JSON-serialisable payload. */
export function seal(key: Buffer, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** Returns the payload of a token this key sealed, or undefined for anything else. */
export function unseal<T>(key: Buffer, token: string): T | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(key, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}
