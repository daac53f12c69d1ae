/**
 * A thin layer over the DynamoDB document client: one place for paging, batching with retries of
 * unprocessed keys, and telling a failed condition from other errors. Only store adapters use it.
 */
import { type DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type DeleteCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GSI1, type Key } from '../keys.ts';

export type Item = Record<string, any>;
export type Page<T> = { items: T[]; lastKey?: Record<string, any> };

/**
 * What sends the document commands below: the SDK's document client (in AWS), or a sender that speaks the same
 * commands to the embedded table more cheaply (infra/local/dynamo-socket.ts).
 */
export type DocumentSender = { send(command: unknown): Promise<any> };

export class Table {
  readonly doc: DynamoDBDocumentClient;
  private readonly sender: DocumentSender;
  constructor(
    client: DynamoDBClient,
    readonly name: string,
    sender?: DocumentSender,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.sender = sender ?? this.doc;
  }

  async get(key: Key, consistent = true): Promise<Item | undefined> {
    const out = await this.sender.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: consistent }));
    return out.Item;
  }

  /** Puts an item; returns false (and the old item) when the named condition failed; the replaced item when asked (ReturnValues ALL_OLD). */
  async put(input: Omit<PutCommandInput, 'TableName'>): Promise<{ ok: true; old?: Item } | { ok: false; old?: Item }> {
    try {
      const out = await this.sender.send(
        new PutCommand({ TableName: this.name, ReturnValuesOnConditionCheckFailure: input.ConditionExpression ? 'ALL_OLD' : undefined, ...input }),
      );
      return { ok: true, ...(out.Attributes ? { old: out.Attributes as Item } : {}) };
    } catch (e) {
      if (isConditionFailure(e)) return { ok: false, old: oldItem(e) };
      throw e;
    }
  }

  /** Updates an item; returns the new item, or ok false (and the old item) when the condition failed. */
  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<{ ok: true; item?: Item } | { ok: false; old?: Item }> {
    try {
      const out = await this.sender.send(
        new UpdateCommand({
          TableName: this.name,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: input.ConditionExpression ? 'ALL_OLD' : undefined,
          ...input,
        }),
      );
      return { ok: true, item: out.Attributes };
    } catch (e) {
      if (isConditionFailure(e)) return { ok: false, old: oldItem(e) };
      throw e;
    }
  }

  /** Deletes an item; returns the deleted item, or ok false when the condition failed. */
  async delete(input: Omit<DeleteCommandInput, 'TableName'>): Promise<{ ok: true; old?: Item } | { ok: false; old?: Item }> {
    try {
      const out = await this.sender.send(new DeleteCommand({ TableName: this.name, ReturnValues: 'ALL_OLD', ...input }));
      return { ok: true, old: out.Attributes };
    } catch (e) {
      if (isConditionFailure(e)) return { ok: false, old: oldItem(e) };
      throw e;
    }
  }

  /** One page of a query, at most `limit` items read. */
  async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Page<Item>> {
    const out = await this.sender.send(new QueryCommand({ TableName: this.name, ...input }));
    return { items: out.Items ?? [], lastKey: out.LastEvaluatedKey };
  }

  /** One page of the items of partition `pk` whose sort key starts with `prefix`, in sort key order. */
  async queryPrefix(pk: string, prefix: string, options: PrefixQuery = {}): Promise<Page<Item>> {
    return this.query(prefixQuery(pk, prefix, options));
  }

  /** Every item of partition `pk` whose sort key starts with `prefix`, page after page. */
  queryPrefixAll(pk: string, prefix: string, options: Omit<PrefixQuery, 'limit' | 'cursor'> = {}): AsyncGenerator<Item> {
    return this.queryAll(prefixQuery(pk, prefix, options));
  }

  /** One page of GSI1's partition `gsi1pk` in gsi1sk order, from after `after` (a gsi1sk) or the cursor. */
  async queryIndex(gsi1pk: string, options: IndexQuery = {}): Promise<Page<Item>> {
    return this.query(indexQuery(gsi1pk, options));
  }

  /** Every item of GSI1's partition `gsi1pk`, page after page. */
  queryIndexAll(gsi1pk: string, options: Omit<IndexQuery, 'limit' | 'cursor'> = {}): AsyncGenerator<Item> {
    return this.queryAll(indexQuery(gsi1pk, options));
  }

  /** Every item of a query, page after page. */
  async *queryAll(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<Item> {
    let startKey: Record<string, any> | undefined;
    do {
      const page = await this.query({ ...input, ExclusiveStartKey: startKey });
      yield* page.items;
      startKey = page.lastKey;
    } while (startKey);
  }

  /** Reads many items by key (any number), retrying unprocessed keys. */
  async batchGet(keys: Key[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, any> | undefined = { [this.name]: { Keys: keys.slice(i, i + 100), ConsistentRead: true } };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out: BatchGetCommandOutput = await this.sender.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(out.Responses?.[this.name] ?? []));
        request = out.UnprocessedKeys;
      }
    }
    return found;
  }

  /** Writes many whole items (any number, unconditionally), retrying unprocessed ones. */
  async batchPut(items: Item[]): Promise<void> {
    await this.batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
  }

  /** Deletes many items by key (any number), retrying unprocessed ones. */
  async batchDelete(keys: Key[]): Promise<void> {
    await this.batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  private async batchWrite(writes: Record<string, any>[]): Promise<void> {
    for (let i = 0; i < writes.length; i += 25) {
      let request: Record<string, any> | undefined = { [this.name]: writes.slice(i, i + 25) };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const out: BatchWriteCommandOutput = await this.sender.send(new BatchWriteCommand({ RequestItems: request }));
        request = out.UnprocessedItems;
      }
    }
  }
}

/** A sort-key prefix query: at most `limit` items read from `cursor` on, only `attributes` when given. */
/** A GSI1 query: `after` starts after that gsi1sk; `attributes` projects (GSI reads are eventually consistent). */
export type IndexQuery = { limit?: number; cursor?: Record<string, any>; after?: string; attributes?: string[] };

function indexQuery(gsi1pk: string, options: IndexQuery): Omit<QueryCommandInput, 'TableName'> {
  const names = options.attributes && Object.fromEntries(options.attributes.map((a, i) => [`#a${i}`, a]));
  return {
    IndexName: GSI1,
    KeyConditionExpression: options.after === undefined ? 'gsi1pk = :p' : 'gsi1pk = :p AND gsi1sk > :after',
    ExpressionAttributeValues: { ':p': gsi1pk, ...(options.after === undefined ? {} : { ':after': options.after }) },
    ...(names ? { ExpressionAttributeNames: names, ProjectionExpression: Object.keys(names).join(', ') } : {}),
    Limit: options.limit,
    ExclusiveStartKey: options.cursor,
  };
}

export type PrefixQuery = { limit?: number; cursor?: Record<string, any>; consistent?: boolean; attributes?: string[] };

function prefixQuery(pk: string, prefix: string, options: PrefixQuery): Omit<QueryCommandInput, 'TableName'> {
  const names = options.attributes && Object.fromEntries(options.attributes.map((a, i) => [`#a${i}`, a]));
  return {
    KeyConditionExpression: 'pk = :p AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':p': pk, ':prefix': prefix },
    ...(names ? { ExpressionAttributeNames: names, ProjectionExpression: Object.keys(names).join(', ') } : {}),
    Limit: options.limit,
    ExclusiveStartKey: options.cursor,
    ConsistentRead: options.consistent ?? true,
  };
}

export function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';
}

function oldItem(e: unknown): Item | undefined {
  const raw = (e as { Item?: Record<string, any> }).Item;
  if (!raw) return undefined;
  return unmarshall(raw as any); // ReturnValuesOnConditionCheckFailure gives marshalled attributes
}

const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
