/** Every in-memory store over one shared MemoryTable. */
import { MemoryBlobStore } from './blobs.ts';
import { MemoryImageStore } from './images.ts';
import { MemoryLayerStore } from './layers.ts';
import { MemoryLifecycleStore } from './lifecycle.ts';
import { MemoryRepositoryStore } from './repositories.ts';
import { MemoryScanStore } from './scans.ts';
import { MemoryRegistryStore } from './registry.ts';
import { MemoryTable } from './table.ts';
import { MemoryTemplateStore } from './templates.ts';
import { MemoryGcStore } from './gc.ts';
import { MemoryPullThroughStore } from './pull-through.ts';

export type MemoryStores = {
  table: MemoryTable;
  repositories: MemoryRepositoryStore;
  images: MemoryImageStore;
  layers: MemoryLayerStore;
  blobs: MemoryBlobStore;
  scans: MemoryScanStore;
  registry: MemoryRegistryStore;
  lifecycle: MemoryLifecycleStore;
  templates: MemoryTemplateStore;
  pullThrough: MemoryPullThroughStore;
  /** The image store serves both, as the DynamoDB adapter does. */
  imageStates: MemoryImageStore;
  gc: MemoryGcStore;
};

/** Every store over one new table (or the given one), for registry `registryId` (default 000000000000). */
export function createMemoryStores(options: { registryId?: string; now?: () => Date; table?: MemoryTable } = {}): MemoryStores {
  const table = options.table ?? new MemoryTable();
  const registryId = options.registryId ?? '000000000000';
  const lifecycle = new MemoryLifecycleStore(table, registryId);
  const images = new MemoryImageStore(table);
  return {
    table,
    repositories: new MemoryRepositoryStore(table, registryId),
    images,
    layers: new MemoryLayerStore(table),
    blobs: new MemoryBlobStore(options.now),
    scans: new MemoryScanStore(table, registryId),
    registry: new MemoryRegistryStore(table, registryId),
    lifecycle,
    templates: new MemoryTemplateStore(table, registryId),
    pullThrough: new MemoryPullThroughStore(table, registryId),
    imageStates: images,
    gc: new MemoryGcStore(table, registryId),
  };
}
