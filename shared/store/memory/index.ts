/** In-memory implementations of every storage interface, all over one shared MemoryTable, and a whole in-memory Deps. */
export { MemoryBlobStore } from './blobs.ts';
export { MemoryImageStore } from './images.ts';
export { MemoryLayerStore } from './layers.ts';
export { MemoryLifecycleStore } from './lifecycle.ts';
export { MemoryRepositoryStore } from './repositories.ts';
export { MemoryScanStore } from './scans.ts';
export { MemoryRegistryStore } from './registry.ts';
export { MemoryTable } from './table.ts';
export { createMemoryStores, type MemoryStores } from './stores.ts';
export { createMemoryDeps, type MemoryDepsOptions } from './deps.ts';
