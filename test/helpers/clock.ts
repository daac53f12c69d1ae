/**
 * A registry clock the test moves (images "pushed 30 days ago"), and ECR clients that sign with it: the
 * registry checks signatures against its own clock, and the SDK keeps in step through the Date header.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { CREDENTIALS } from './registry.ts';

export const DAY_MS = 24 * 3600 * 1000;

export class TestClock {
  /** How far the registry's clock is from the system clock, in milliseconds. */
  offsetMs = 0;
  /** The registry's `now` (pass it to startTestRegistry). */
  readonly now = () => new Date(Date.now() + this.offsetMs);

  /** Runs `fn` with the clock `days` from the system clock (negative: the past) and a client signing at that time. */
  async at<T>(endpoint: string, days: number, fn: (ecr: ECRClient) => Promise<T>): Promise<T> {
    const previous = this.offsetMs;
    this.offsetMs = days * DAY_MS;
    const ecr = new ECRClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1, systemClockOffset: this.offsetMs });
    try {
      return await fn(ecr);
    } finally {
      ecr.destroy();
      this.offsetMs = previous;
    }
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
