/**
 * The in-process sha256 of layer uploads this process is serving (docs/ARCHITECTURE.md "Layer uploads"): per
 * upload id, a node:crypto hash of the upload's first `upTo` bytes, those already sent to S3 parts. Bounded: the
 * least recently advanced upload is forgotten first, and a forgotten upload is verified by reading it back.
 */
import { createHash, type Hash } from 'node:crypto';

/** Uploads whose hash one process keeps at most; each entry is a few hundred bytes. */
export const MAX_LIVE_HASHES = 1024;

type LiveHash = { hash: Hash; upTo: number };
const live = new Map<string, LiveHash>();

/**
 * A hash of the upload's first `upTo` bytes to continue, or undefined when this process does not hold it at
 * exactly that byte. Always a copy: the kept hash moves on only through keepLiveHash.
 */
export function liveHashAt(uploadId: string, upTo: number): Hash | undefined {
  if (upTo === 0) return createHash('sha256');
  const entry = live.get(uploadId);
  return entry?.upTo === upTo ? entry.hash.copy() : undefined;
}

/** Keeps `hash` as the upload's hash of its first `upTo` bytes (call only after those bytes were recorded). */
export function keepLiveHash(uploadId: string, hash: Hash, upTo: number): void {
  live.delete(uploadId);
  live.set(uploadId, { hash, upTo });
  if (live.size > MAX_LIVE_HASHES) live.delete(live.keys().next().value as string);
}

/** Forgets one upload's hash (it ended). */
export function forgetLiveHash(uploadId: string): void {
  live.delete(uploadId);
}

/** Forgets every live hash: what a part arriving at another instance, or a restarted process, sees. */
export function forgetLiveHashes(): void {
  live.clear();
}
