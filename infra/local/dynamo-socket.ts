/**
 * A lean sender of DynamoDB document commands to the embedded table on its unix socket: the command's input is
 * marshalled exactly as @aws-sdk/lib-dynamodb marshals it (by the command's own key nodes), sent as one JSON POST
 * with DynamoDB's target header, and the answer unmarshalled the same way. It replaces the SDK's middleware stack
 * (endpoint rules, retries, SigV4, checksums, schema serde), which cost about 1 ms of CPU per call against 0.15 ms
 * for the request itself (docs/BENCHMARKS.md): the socket, 0600 in a 0700 directory, is what keeps others out, and
 * dynalite does not verify signatures. Errors come back named as the SDK names them (ConditionalCheckFailedException,
 * with the old `Item` when the table returns it), which is all shared/store/dynamo/table.ts looks at.
 */
import { type Agent, request } from 'node:http';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DocumentSender } from '../../shared/store/dynamo/table.ts';

const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
]);

type KeyNodes = Record<string, any> | null | undefined;
type DocCommand = { input: Record<string, any>; inputKeyNodes: KeyNodes; outputKeyNodes: KeyNodes };

const MARSHALL = { removeUndefinedValues: true, convertTopLevelContainer: true };
const UNMARSHALL = { convertWithoutMapWrapper: true };

/** Walks `value` as lib-dynamodb's processObj does: `fn` on what `nodes` name (`{}` every member, `*` every key a level down). */
function walk(value: any, nodes: KeyNodes, fn: (v: any) => any): any {
  if (value === undefined) return undefined;
  if (nodes == null) return fn(value);
  const keys = Object.keys(nodes);
  if (keys.length === 0 || (keys.length === 1 && keys[0] === '*')) {
    const next = keys.length === 0 ? null : nodes['*'];
    if (Array.isArray(value)) return value.map((v) => walk(v, next, fn));
    const out: any = {};
    for (const [k, v] of Object.entries(value)) {
      const r = walk(v, next, fn);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  const out: any = Array.isArray(value) ? [...value] : { ...value };
  for (const [k, sub] of Object.entries(nodes)) {
    const r = walk(value[k], sub, fn);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

/**
 * Binary values go on the wire as base64, as the SDK sends them. (None of the stores keeps a binary attribute; one read
 * back would come as its base64 text.)
 */
function binaryAsBase64(this: any, key: string, value: unknown) {
  const raw = this[key];
  return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : value;
}

/** A DocumentSender posting to the embedded table through `agent` (whose connections go to its socket). */
export function socketSender(agent: Agent, region: string, accessKeyId: string): DocumentSender {
  const authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20000101/${region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
  return {
    async send(command: unknown) {
      const doc = command as DocCommand;
      const operation = OPERATIONS.get((command as object).constructor);
      if (!operation) throw new Error(`the embedded table sender has no operation for ${(command as object).constructor.name}`);
      const body = JSON.stringify(
        walk(doc.input, doc.inputKeyNodes, (v) => marshall(v, MARSHALL)),
        binaryAsBase64,
      );
      const { status, text } = await post(agent, operation, authorization, body);
      const parsed = text ? JSON.parse(text) : {};
      if (status !== 200) {
        const name = String(parsed.__type ?? 'InternalServerError')
          .split('#')
          .pop()!;
        throw Object.assign(new Error(parsed.message ?? parsed.Message ?? name), { ...parsed, name, $metadata: { httpStatusCode: status } });
      }
      return walk(parsed, doc.outputKeyNodes, (v) => unmarshall(v, UNMARSHALL));
    },
  };
}

function post(agent: Agent, operation: string, authorization: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: 'dynamodb.embedded',
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(body),
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'x-amz-date': '20000101T000000Z',
          authorization,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
