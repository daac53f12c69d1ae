/** RepositoryStore on DynamoDB: one item per repository, listed through GSI1 in name order. */
import type { RepositoryStore } from '../metadata.ts';
import type { Page, RepositoryRecord } from '../types.ts';
import { contentsPk, repositoryIndex, repositoryKey, repositoryListPk } from '../keys.ts';
import { toRepository } from '../items.ts';
import type { Table } from './table.ts';

/** Invariant: no repository of that name exists yet. */
const REPOSITORY_NAME_IS_FREE = 'attribute_not_exists(pk)';
/** Invariant: the repository is still the incarnation the caller read. */
const SAME_INCARNATION = 'uid = :uid';

export class DynamoRepositoryStore implements RepositoryStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  async create(repo: RepositoryRecord): Promise<boolean> {
    const r = await this.table.put({
      Item: { ...repositoryKey(this.registryId, repo.name), ...repositoryIndex(this.registryId, repo.name), type: 'repository', ...repo },
      ConditionExpression: REPOSITORY_NAME_IS_FREE,
    });
    return r.ok;
  }

  async get(name: string): Promise<RepositoryRecord | undefined> {
    const item = await this.table.get(repositoryKey(this.registryId, name));
    return item && toRepository(item);
  }

  async list(limit: number, cursor?: Record<string, any>): Promise<Page<RepositoryRecord>> {
    const page = await this.table.queryIndex(repositoryListPk(this.registryId), { limit, cursor });
    return { items: page.items.map(toRepository), cursor: page.lastKey };
  }

  async namesAfter(after: string | undefined, limit: number): Promise<string[]> {
    const page = await this.table.queryIndex(repositoryListPk(this.registryId), { after, limit, attributes: ['gsi1sk'] });
    return page.items.map((i) => i.gsi1sk);
  }

  async update(name: string, uid: string, changes: Partial<RepositoryRecord>, remove: (keyof RepositoryRecord)[] = []) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':uid': uid };
    const sets = Object.entries(changes)
      .filter(([, v]) => v !== undefined)
      .map(([k, v], i) => {
        names[`#s${i}`] = k;
        values[`:s${i}`] = v;
        return `#s${i} = :s${i}`;
      });
    const removes = remove.map((k, i) => {
      names[`#r${i}`] = k;
      return `#r${i}`;
    });
    const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim();
    if (!expression) {
      const repo = await this.get(name);
      return repo?.uid === uid ? repo : undefined;
    }
    const r = await this.table.update({
      Key: repositoryKey(this.registryId, name),
      UpdateExpression: expression,
      ConditionExpression: SAME_INCARNATION,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return r.ok && r.item ? toRepository(r.item) : undefined;
  }

  async delete(name: string, uid: string): Promise<boolean> {
    const r = await this.table.delete({
      Key: repositoryKey(this.registryId, name),
      ConditionExpression: SAME_INCARNATION,
      ExpressionAttributeValues: { ':uid': uid },
    });
    return r.ok;
  }

  async deleteContents(uid: string): Promise<void> {
    let batch: { pk: string; sk: string }[] = [];
    for await (const item of this.table.queryAll({
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': contentsPk(uid) },
      ProjectionExpression: 'pk, sk',
    })) {
      batch.push({ pk: item.pk, sk: item.sk });
      if (batch.length >= 500) {
        await this.table.batchDelete(batch);
        batch = [];
      }
    }
    await this.table.batchDelete(batch);
  }
}
