/** CreationTemplateStore in memory: the DynamoDB adapter's items and conditions (shared/store/dynamo/templates.ts). */
import { toCreationTemplate } from '../items.ts';
import { creationTemplateKey, registryPk, TEMPLATE_PREFIX } from '../keys.ts';
import { templateKeyOf, type CreationTemplateRecord, type CreationTemplateStore, type ReplaceTemplateResult } from '../templates.ts';
import type { MemoryTable } from './table.ts';

export class MemoryTemplateStore implements CreationTemplateStore {
  constructor(
    private readonly table: MemoryTable,
    private readonly registryId: string,
  ) {}

  private key(prefix: string) {
    return creationTemplateKey(this.registryId, templateKeyOf(prefix));
  }

  // Each check and its write run with no yield between: the in-memory form of the adapter's conditions.
  async create(template: CreationTemplateRecord) {
    const key = this.key(template.prefix);
    if (this.table.get(key)) return false;
    this.table.put({ ...key, type: 'creationTemplate', ...template });
    return true;
  }

  async get(prefix: string) {
    const item = this.table.get(this.key(prefix));
    return item && toCreationTemplate(item);
  }

  async getMany(prefixes: string[]) {
    const keys = [...new Map(prefixes.map((p) => [templateKeyOf(p), this.key(p)])).values()];
    return keys.flatMap((k) => {
      const item = this.table.get(k);
      return item ? [toCreationTemplate(item)] : [];
    });
  }

  async replace(template: CreationTemplateRecord, version: number): Promise<ReplaceTemplateResult> {
    const key = this.key(template.prefix);
    const old = this.table.get(key);
    if (!old) return 'missing';
    if (old.version !== version) return 'changed';
    this.table.put({ ...key, type: 'creationTemplate', ...template, version: version + 1 });
    return 'replaced';
  }

  async delete(prefix: string) {
    const old = this.table.delete(this.key(prefix));
    return old && toCreationTemplate(old);
  }

  async list(limit: number, cursor?: Record<string, any>) {
    const page = this.table.queryPrefix(registryPk(this.registryId), TEMPLATE_PREFIX, { limit, cursor });
    return { items: page.items.map(toCreationTemplate), cursor: page.cursor };
  }

  async count() {
    return this.table.queryPrefix(registryPk(this.registryId), TEMPLATE_PREFIX).items.length;
  }
}
