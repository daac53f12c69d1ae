/**
 * What a store call costs on the embedded stack, by transport, in one run: the same DynamoDB document client
 * GetItem served in process (the local stack's transport, infra/local/in-process-handler.ts) and over dynalite's
 * unix socket (the transport before it). Prints CPU and wall milliseconds per call and the ratio.
 * Run: `npm run bench:store-transport` (BENCH_CALLS, default 3000; a few seconds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmbeddedStack } from '../infra/local/stack.ts';
import { LOCAL_CREDENTIALS } from '../shared/deps/local.ts';
import { fmt } from './lib.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const TABLE = 'bench-transport';

async function perCall(doc: DynamoDBDocumentClient): Promise<{ cpuMs: number; wallMs: number }> {
  const get = () => doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'bench', sk: 'item' } }));
  for (let i = 0; i < 1000; i++) await get();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await get();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / CALLS, wallMs: (performance.now() - start) / CALLS };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'secr-transport-'));
  const stack = await startEmbeddedStack({ dataDir, tableName: TABLE, region: 'us-east-1', signingKey: Buffer.alloc(32), scheme: 'http' });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  (agent as unknown as { createConnection: () => unknown }).createConnection = () => connect(join(dataDir, 'dynamodb.sock'));
  const socketClient = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.embedded',
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });
  try {
    const inProcess = DynamoDBDocumentClient.from(stack.dynamo);
    const overSocket = DynamoDBDocumentClient.from(socketClient);
    await inProcess.send(new PutCommand({ TableName: TABLE, Item: { pk: 'bench', sk: 'item', value: 'x'.repeat(300) } }));
    const rows: [string, { cpuMs: number; wallMs: number }][] = [];
    // Alternated three times, so a change of load on a shared machine falls on both.
    for (let round = 0; round < 3; round++) {
      rows.push(['in process', await perCall(inProcess)]);
      rows.push(['unix socket', await perCall(overSocket)]);
    }
    const mean = (name: string, k: 'cpuMs' | 'wallMs') => rows.filter(([n]) => n === name).reduce((s, [, r]) => s + r[k], 0) / 3;
    console.log(`| transport | CPU ms per GetItem | wall ms per GetItem |\n| --- | --- | --- |`);
    for (const [name, r] of rows) console.log(`| ${name} | ${fmt(r.cpuMs, 3)} | ${fmt(r.wallMs, 3)} |`);
    console.log(
      `| in process / unix socket (means) | ${fmt(mean('in process', 'cpuMs') / mean('unix socket', 'cpuMs'), 2)}x | ${fmt(mean('in process', 'wallMs') / mean('unix socket', 'wallMs'), 2)}x |`,
    );
  } finally {
    socketClient.destroy();
    agent.destroy();
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
