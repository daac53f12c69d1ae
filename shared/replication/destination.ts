/**
 * A replication destination's own ECR API, as this registry's replication copy calls it: every call signed with the
 * peer's key and carrying the signed replication marker (REPLICATION_HEADER), so the destination decides the copy's
 * calls as `ecr:ReplicateImage` (and `ecr:CreateRepository`). Failures come back as ReplicationFailure, retryable or
 * not, with the failure code DescribeImageReplicationStatus reports.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { REPLICATION_HEADER } from '../domain/actor.ts';
import type { Peer } from './peers.ts';

/**
 * The failure codes of a copy (the README's table). DESTINATION_UNREACHABLE is the one retried: the destination did
 * not answer, answered 5xx or throttled.
 */
export const FAILURE_CODES = [
  'DESTINATION_UNREACHABLE',
  'DESTINATION_NOT_CONFIGURED',
  'ACCESS_DENIED',
  'REPOSITORY_CREATION_FAILED',
  'TAG_IMMUTABLE',
  'SOURCE_IMAGE_NOT_FOUND',
  'COPY_REFUSED',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** How a copy failed. `name` is what the state machine's Retry and Catch match: ReplicationRetryable or ReplicationFailed. */
export class ReplicationFailure extends Error {
  constructor(
    readonly code: FailureCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = code === 'DESTINATION_UNREACHABLE' ? 'ReplicationRetryable' : 'ReplicationFailed';
  }
}

/** The destination's refusal of one call, by its wire error name. */
export class DestinationError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** How long one call to a destination may take before the destination counts as unreachable. */
export const CALL_TIMEOUT_MS = 30_000;

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const DENIED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'MissingAuthenticationTokenException']);
const RETRYABLE = new Set(['ServerException', 'ThrottlingException', 'LimitExceededException']);

/** The ECR API of one destination registry. */
export class DestinationClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(
    readonly peer: Peer,
    private readonly source: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.url = new URL(peer.endpoint);
    this.signer = new SignatureV4({
      service: 'ecr',
      region: peer.region,
      sha256: Hash.bind(null, 'sha256'),
      credentials: { accessKeyId: peer.accessKeyId, secretAccessKey: peer.secretAccessKey },
    });
  }

  /**
   * One ECR operation's JSON output. Throws ReplicationFailure(DESTINATION_UNREACHABLE) when the destination does not
   * answer in time or answers with a server error, DestinationError (its wire name) when it refuses.
   */
  async call(operation: string, input: Record<string, unknown>): Promise<Record<string, any>> {
    const body = JSON.stringify(input);
    const signed = await this.signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port ? Number(this.url.port) : undefined,
        path: '/',
        headers: {
          host: this.url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `${TARGET_PREFIX}${operation}`,
          [REPLICATION_HEADER]: this.source,
        },
        body,
      }),
    );
    const { host: _host, ...headers } = signed.headers;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(new URL('/', this.url), { method: 'POST', headers, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      text = await res.text();
    } catch (e) {
      throw new ReplicationFailure('DESTINATION_UNREACHABLE', `${this.where()} did not answer ${operation}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    let out: Record<string, any> = {};
    try {
      out = text ? JSON.parse(text) : {};
    } catch {
      // A body that is not JSON (a proxy's error page) is judged by its status alone.
    }
    if (res.ok) return out;
    const type = String(out.__type ?? `HTTP ${res.status}`)
      .split('#')
      .pop()!;
    if (res.status >= 500 || RETRYABLE.has(type)) {
      throw new ReplicationFailure('DESTINATION_UNREACHABLE', `${this.where()} answered ${operation} with ${type}${out.message ? `: ${out.message}` : ''}`);
    }
    throw new DestinationError(type, `${this.where()} refused ${operation}: ${type}${out.message ? `: ${out.message}` : ''}`);
  }

  private where() {
    return `the destination ${this.peer.region}/${this.peer.registryId} (${this.peer.endpoint})`;
  }
}

/** The ReplicationFailure a destination's refusal of a copy step means (`creating`: the refused call created the repository). */
export function failureOf(e: unknown, creating = false): ReplicationFailure {
  if (e instanceof ReplicationFailure) return e;
  if (e instanceof DestinationError) {
    if (creating) return new ReplicationFailure('REPOSITORY_CREATION_FAILED', e.message);
    if (DENIED.has(e.type)) return new ReplicationFailure('ACCESS_DENIED', e.message);
    if (e.type === 'ImageTagAlreadyExistsException') return new ReplicationFailure('TAG_IMMUTABLE', e.message);
    return new ReplicationFailure('COPY_REFUSED', e.message);
  }
  throw e;
}
