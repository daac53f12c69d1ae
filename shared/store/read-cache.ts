/**
 * Reads kept for a short time, the one mechanism of the store caches (repository-cache.ts, registry.ts): a read is
 * answered from a read of the same key started less than `ttlMs` ago; a failed read, or a value `keep` refuses, is
 * dropped as soon as it is known, so it is read again; `forget` drops a key (or all) when this process writes it.
 * Callers copy what they hand out, so nobody edits a kept value.
 */
export class TimedReads<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
    private readonly keep: (value: V) => boolean = () => true,
  ) {}

  /** The value of `key`: a kept read younger than the TTL, or a new `load()`. */
  read(key: string, load: () => Promise<V>): Promise<V> {
    let entry = this.entries.get(key);
    if (!entry || this.now() - entry.at >= this.ttlMs) {
      const value = load();
      entry = { at: this.now(), value };
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      const kept = entry;
      const drop = () => {
        if (this.entries.get(key) === kept) this.entries.delete(key);
      };
      value.then((v) => this.keep(v) || drop(), drop);
    }
    return entry.value;
  }

  /** Drops `key`, or every key; the next read loads. */
  forget(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  /** `write`'s outcome, with `key` (or every key) dropped once it settled, whether it succeeded or not. */
  async after<T>(write: Promise<T>, key?: string): Promise<T> {
    try {
      return await write;
    } finally {
      this.forget(key);
    }
  }
}
