/**
 * The AWS JSON 1.1 protocol of ECR as middy middleware: SigV4 verification, X-Amz-Target dispatch,
 * JSON parsing, model validation, serialisation (timestamps as epoch seconds, blobs as base64), and the
 * one error boundary that writes ECR's wire errors. Each operation group's Lambda is one of these.
 */
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { principalActor, REPLICATION_HEADER, type Actor } from '../domain/actor.ts';
import type { OperationInputs, OperationOutputs } from '../model/types.ts';
import { EcrError, SerializationException, ServerException, UnknownOperationException } from '../errors.ts';
import { eventBody, eventQuery, type HttpEvent, type HttpResult } from './http.ts';
import { checkSigV4, sha256Hex, type SignatureCheck } from './sigv4.ts';
import type { Directory } from '../iam/principals.ts';
import { validateInput, type Model } from './validate.ts';
import { operationOfTarget } from '../../infra/routing.ts';
import { accessLog, noteCall } from './access-log.ts';

/**
 * A domain entry point as every caller enters it: deps, who calls, the operation's input (its type generated from
 * the model; the validator has checked the input against the model before the call, hence `never` here).
 */
export type Operation = (deps: Deps, actor: Actor, input: never) => Promise<object>;

/**
 * What a group's operation map must be: each operation takes the model's input type and resolves to its output type,
 * so a member the model does not have, or a value outside an enum, fails to compile. Handlers check their maps with it.
 */
export type ModelOperations = Partial<{ [O in keyof OperationInputs]: (deps: Deps, actor: Actor, input: OperationInputs[O]) => Promise<OperationOutputs[O]> }>;

type Call = { deps: Deps; actor: Actor; operation: string };
type State = { requestId: string; call?: Call; input?: Record<string, unknown> };
const states = new WeakMap<object, State>();

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Builds the handler of one operation group; `model` is what its inputs are validated against: the group's slice
 * of the model (shared/model/groups/<group>.json), which has every operation of `operations`.
 */
export function ecrHandler(operations: Record<string, Operation>, model: Model, getDeps: () => Deps) {
  return middy<HttpEvent, HttpResult>()
    .use(accessLog())
    .use({
      before: async (request) => {
        const requestId = request.event.requestContext?.requestId ?? randomUUID();
        const state: State = { requestId };
        states.set(request.event, state);
        const deps = getDeps();
        // One view of the principals for the whole request, even if the principals file is reloaded meanwhile.
        const directory = deps.principals.directory();
        const { event } = request;
        const headers = Object.fromEntries(Object.entries(event.headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
        // Everything but the signature is checked before the body is decoded; a host that streamed the body hands
        // over the hash it computed on the way (payloadHashes), so the body is not hashed twice.
        const check = ecrSignatureCheck(deps, directory, event.requestContext.http.method, eventQuery(event), headers);
        const body = eventBody(event);
        const accessKeyId = await check.verify(payloadHashes.get(event) ?? sha256Hex(body));
        noteCall(event, { principal: accessKeyId });
        const target = headers['x-amz-target'] ?? '';
        const operation = operationOfTarget(target) ?? '';
        if (!Object.hasOwn(operations, operation)) {
          throw new UnknownOperationException(operation ? `The operation ${operation} is not supported by this registry.` : `Unknown target: '${target}'`);
        }
        let parsed: unknown;
        try {
          parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
        } catch {
          throw new SerializationException('Start of structure or map found where not expected.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new SerializationException('Start of structure or map found where not expected.');
        }
        state.input = validateInput(model, operation, parsed);
        const host = deps.config.publicHost ?? headers['x-forwarded-host'] ?? headers.host ?? event.requestContext.domainName ?? 'localhost';
        const via = { requestId, host, sourceIp: event.requestContext.http.sourceIp, secureTransport: headers['x-forwarded-proto'] === 'https' };
        const actor = principalActor(directory.byKey(accessKeyId)!.principal, accessKeyId, via);
        const replicationFrom = signedReplicationMarker(headers);
        state.call = { deps, operation, actor: replicationFrom ? { ...actor, replicationFrom } : actor };
        noteCall(event, { operation, repository: (state.input as { repositoryName?: string }).repositoryName });
      },
      onError: async (request) => {
        const state = states.get(request.event) ?? { requestId: randomUUID() };
        request.response = errorResult(request.error, state.requestId);
      },
    })
    .handler(async (event): Promise<HttpResult> => {
      const state = states.get(event)!;
      const call = state.call!;
      const output = await operations[call.operation](call.deps, call.actor, state.input as never);
      return {
        statusCode: 200,
        headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': state.requestId },
        body: serialize(output),
      };
    });
}

/**
 * The replication marker of a request whose signature was verified, only when the marker is one of the signed headers
 * (the Authorization header's SignedHeaders, authentic once the signature is): nobody but the key's holder can add it.
 */
function signedReplicationMarker(headers: Record<string, string>): string | undefined {
  const value = headers[REPLICATION_HEADER];
  if (!value) return undefined;
  const signed =
    /SignedHeaders=([^,\s]+)/
      .exec(headers.authorization ?? '')?.[1]
      ?.toLowerCase()
      .split(';') ?? [];
  return signed.includes(REPLICATION_HEADER) ? value : undefined;
}

/**
 * The SHA-256 (hex) of an event's body, set by a host that computed it while streaming the body in: trusted as it is
 * set in this process only, never read from the request.
 */
export const payloadHashes = new WeakMap<HttpEvent, string>();

/**
 * Checks an ECR call's signature up to its body (checkSigV4) against the principals' keys, as strictly as AWS: the
 * scope names this registry's region, and the host and the target are signed. Every ECR call is POST / as the
 * client signed it, whatever path a router rewrote it to; behind CloudFront the Host is the API's own, and the
 * router puts the Host the client signed in x-forwarded-host.
 */
export function ecrSignatureCheck(
  deps: Deps,
  directory: Directory,
  method: string,
  query: Record<string, string | string[]>,
  headers: Record<string, string>,
): SignatureCheck {
  const signedHeaders = headers['x-forwarded-host'] ? { ...headers, host: headers['x-forwarded-host'] } : headers;
  return checkSigV4({ method, path: '/', query, headers: signedHeaders }, 'ecr', (id) => directory.byKey(id)?.secretAccessKey, deps.now(), {
    region: deps.config.region,
    mustSign: ['host', 'x-amz-target'],
  });
}

/** JSON with Dates as epoch seconds and byte buffers as base64, as the AWS JSON protocol wants. */
export function serialize(output: unknown): string {
  return JSON.stringify(output, function (this: any, key: string, value: unknown) {
    const original = key === '' ? value : this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    if (Buffer.isBuffer(original) || original instanceof Uint8Array) return Buffer.from(original).toString('base64');
    return value;
  });
}

/** The wire form of an error: ECR's own with HTTP 400, anything unexpected a ServerException (HTTP 500). */
export function errorResult(error: unknown, requestId: string): HttpResult {
  let wire: EcrError;
  if (error instanceof EcrError) {
    wire = error;
  } else {
    console.error(JSON.stringify({ level: 'error', requestId, message: 'unexpected error', error: String((error as Error)?.stack ?? error) }));
    wire = new ServerException(`An internal error occurred (request id ${requestId}).`);
  }
  return {
    statusCode: wire.status,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId, 'x-amzn-errortype': wire.name },
    body: JSON.stringify({ __type: wire.name, message: wire.message, ...wire.fields }),
  };
}
