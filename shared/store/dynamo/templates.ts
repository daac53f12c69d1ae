/** CreationTemplateStore on DynamoDB: one item per template in the registry's partition, each invariant one conditional write. */
import { toCreationTemplate } from '../items.ts';
import { creationTemplateKey, registryPk, TEMPLATE_PREFIX } from '../keys.ts';
import { templateKeyOf, type CreationTemplateRecord, type CreationTemplateStore, type ReplaceTemplateResult } from '../templates.ts';
import type { Table } from './table.ts';

/** Invariant: a prefix has one template. */
const TEMPLATE_IS_NEW = 'attribute_not_exists(pk)';
/** Invariant: an update replaces the version it read (no concurrent update is lost). */
const TEMPLATE_UNCHANGED_SINCE_READ = 'attribute_exists(pk) AND version = :version';

export class DynamoTemplateStore implements CreationTemplateStore {
  constructor(
    private readonly table: Table,
    private readonly registryId: string,
  ) {}

  private key(prefix: string) {
    return creationTemplateKey(this.registryId, templateKeyOf(prefix));
  }

  async create(template: CreationTemplateRecord) {
    const r = await this.table.put({
      Item: { ...this.key(template.prefix), type: 'creationTemplate', ...template },
      ConditionExpression: TEMPLATE_IS_NEW,
    });
    return r.ok;
  }

  async get(prefix: string) {
    const item = await this.table.get(this.key(prefix));
    return item && toCreationTemplate(item);
  }

  async getMany(prefixes: string[]) {
    const keys = [...new Map(prefixes.map((p) => [templateKeyOf(p), this.key(p)])).values()];
    return keys.length ? (await this.table.batchGet(keys)).map(toCreationTemplate) : [];
  }

  async replace(template: CreationTemplateRecord, version: number): Promise<ReplaceTemplateResult> {
    const r = await this.table.put({
      Item: { ...this.key(template.prefix), type: 'creationTemplate', ...template, version: version + 1 },
      ConditionExpression: TEMPLATE_UNCHANGED_SINCE_READ,
      ExpressionAttributeValues: { ':version': version },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    if (r.ok) return 'replaced';
    // dynalite returns no old item on a failed condition: read it.
    return (r.old ?? (await this.table.get(this.key(template.prefix)))) ? 'changed' : 'missing';
  }

  async delete(prefix: string) {
    const r = await this.table.delete({ Key: this.key(prefix) });
    return r.old && toCreationTemplate(r.old);
  }

  async list(limit: number, cursor?: Record<string, any>) {
    const page = await this.table.queryPrefix(registryPk(this.registryId), TEMPLATE_PREFIX, { limit, cursor });
    return { items: page.items.map(toCreationTemplate), cursor: page.lastKey };
  }

  async count() {
    let n = 0;
    for await (const _ of this.table.queryPrefixAll(registryPk(this.registryId), TEMPLATE_PREFIX, { attributes: ['sk'] })) n++;
    return n;
  }
}
