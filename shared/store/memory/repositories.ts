/** RepositoryStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/repositories.ts). */
import type { RepositoryStore } from '../metadata.ts';
import type { Page, RepositoryRecord } from '../types.ts';
import { contentsPk, repositoryIndex, repositoryKey, repositoryListPk } from '../keys.ts';
import { toRepository } from '../items.ts';
import type { Item, MemoryTable } from './table.ts';

/** Invariant: no repository of that name exists yet. */
const REPOSITORY_NAME_IS_FREE = (old: Item | undefined) => old === undefined;
/** Invariant: the repository is still the incarnation the caller read. */
const SAME_INCARNATION = (old: Item | undefined, uid: string) => old !== undefined && old.uid === uid;

export class MemoryRepositoryStore implements RepositoryStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  async create(repo: RepositoryRecord) {
    const key = repositoryKey(this.registryId, repo.name);
    if (!REPOSITORY_NAME_IS_FREE(this.table.get(key))) return false;
    this.table.put({ ...key, ...repositoryIndex(this.registryId, repo.name), type: 'repository', ...repo });
    return true;
  }

  async get(name: string) {
    const item = this.table.get(repositoryKey(this.registryId, name));
    return item && toRepository(item);
  }

  async list(limit: number, cursor?: Record<string, any>): Promise<Page<RepositoryRecord>> {
    const page = this.table.queryIndex(repositoryListPk(this.registryId), { limit, cursor });
    return { items: page.items.map(toRepository), cursor: page.cursor };
  }

  async namesAfter(after: string | undefined, limit: number) {
    return this.table.queryIndex(repositoryListPk(this.registryId), { limit, after }).items.map((i) => i.gsi1sk as string);
  }

  async update(name: string, uid: string, changes: Partial<RepositoryRecord>, remove: (keyof RepositoryRecord)[] = []) {
    const sets = Object.entries(changes).filter(([, v]) => v !== undefined);
    const key = repositoryKey(this.registryId, name);
    const old = this.table.get(key);
    if (!SAME_INCARNATION(old, uid)) return undefined;
    if (!sets.length && !remove.length) return toRepository(old!);
    const item: Item = { ...old, ...Object.fromEntries(sets) };
    for (const k of remove) delete item[k];
    this.table.put(item);
    return toRepository(this.table.get(key)!);
  }

  async delete(name: string, uid: string) {
    const key = repositoryKey(this.registryId, name);
    if (!SAME_INCARNATION(this.table.get(key), uid)) return false;
    this.table.delete(key);
    return true;
  }

  async deleteContents(uid: string) {
    this.table.deletePartition(contentsPk(uid));
  }
}
