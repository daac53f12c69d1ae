/**
 * Sends a byte range of a file to an HTTP response through a few reused buffers: each buffer is read into again
 * only once the socket has taken its previous bytes (the write's callback), so a pull allocates nothing per MiB
 * and leaves the garbage collector nothing to do (streams allocate a fresh buffer per chunk).
 */
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const BUFFER_BYTES = 1024 * 1024;
/** Buffers in flight per response: some being read while the others are written. */
const DEPTH = 4;
/** Idle buffers kept for the next responses. */
const POOL_MAX = 16;
const pool: Buffer[] = [];

/** Writes bytes `start` to `end` (inclusive) of `file` to `res`, then ends it; stops early if the client goes away. */
export async function sendFileRange(file: string, start: number, end: number, res: ServerResponse): Promise<void> {
  const handle = await open(file, 'r');
  // Only the buffers the range needs: a small blob takes one.
  const depth = Math.max(1, Math.min(DEPTH, Math.ceil((end - start + 1) / BUFFER_BYTES)));
  const buffers = Array.from({ length: depth }, () => pool.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES));
  const writes: (Promise<boolean> | undefined)[] = Array(depth).fill(undefined);
  let closed = false;
  let finished = false;
  const onClose = () => {
    closed = true;
  };
  res.once('close', onClose);
  // A write's callback may never come once the socket is gone: the close ends the wait (answering false).
  const gone = new Promise<boolean>((resolve) => res.once('close', () => resolve(false)));
  try {
    let position = start;
    for (let i = 0; position <= end && !closed; i = (i + 1) % depth) {
      if (writes[i] && !(await Promise.race([writes[i]!, gone]))) {
        closed = true;
        return;
      }
      const buffer = buffers[i];
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position + 1), position);
      if (bytesRead === 0) throw new Error(`${file} ended at byte ${position}, before ${end + 1}`);
      // A failed write means the client is gone: the response is over, nothing to answer.
      writes[i] = new Promise<boolean>((resolve) => {
        res.write(buffer.subarray(0, bytesRead), (e) => resolve(!e));
      });
      position += bytesRead;
    }
    if (!closed) {
      for (const w of writes) {
        if (w && !(await Promise.race([w, gone]))) {
          closed = true;
          return;
        }
      }
      await new Promise<void>((resolve) => res.end(resolve));
      finished = true;
    }
  } finally {
    res.off('close', onClose);
    await handle.close();
    // Every write's callback came: the buffers are free again. (The response's own 'close' follows its end, so
    // `closed` alone would keep every buffer out of the pool.) A buffer whose write is still pending is not reused.
    if (finished) for (const b of buffers) if (pool.length < POOL_MAX) pool.push(b);
  }
}
