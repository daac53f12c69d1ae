/**
 * The scan state machine's task handlers (infra/scan.asl.json), keyed by state name. States pass only
 * small values (ids, digests, blob keys) between them; plans, layer indexes, inventories and findings live
 * in the blob store. ResolveManifest → IndexLayers (Map of IndexLayer) → Coalesce → (unsupported?) → Match →
 * WriteFindings → EmitEvent; every step's Catch goes to RecordFailure, which records FAILED with the reason.
 */
import type { Deps } from '../deps.ts';
import type { Actor } from '../domain/actor.ts';
import { inventoryObject, layerIndexObject, scanPlanObject } from '../store/keys.ts';
import type { ScanType } from '../store/scans.ts';
import { coalesce, type Inventory } from './index/coalesce.ts';
import { indexLayer, INDEXER_VERSION, type LayerIndex } from './index/layer-indexer.ts';
import { FeedReader } from './feed/shards.ts';
import { platformImages, type Plan } from './plan.ts';
import { imageScanEvent, matchAndStore, type MatchOutcome } from './results.ts';
import type { ImageContext } from './findings.ts';

export type ScanDeps = Pick<Deps, 'config' | 'repositories' | 'images' | 'layers' | 'blobs' | 'scans' | 'events' | 'now'>;
/** The execution input, carried (and added to) from state to state. */
export type ScanState = {
  repositoryName: string;
  uid: string;
  imageDigest: string;
  scanId: string;
  scanType: ScanType;
  planObject?: string;
  layers?: string[];
  feedId?: string;
  inventories?: string[];
  unsupported?: boolean;
  result?: MatchOutcome & { completedAt: number; feedImportedAt: number };
  error?: { Error?: string; Cause?: string };
};

/** A reason the scan cannot go on; its message becomes the scan's FAILED description. */
export class ScanError extends Error {
  override name = 'ScanError';
}

export const UNSUPPORTED_DESCRIPTION = 'The operating system and/or package manager are not supported.';

const json = async <T>(deps: ScanDeps, key: string): Promise<T> => JSON.parse((await deps.blobs.getBytes(key)).toString('utf8'));
const putJson = (deps: ScanDeps, key: string, value: unknown) => deps.blobs.put(key, Buffer.from(JSON.stringify(value)));

/** ResolveManifest: the platform images and their layers, and the feed this run will use throughout. */
async function resolveManifest(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const repo = await deps.repositories.get(state.repositoryName);
  if (!repo || repo.uid !== state.uid) throw new ScanError(`The repository '${state.repositoryName}' no longer exists.`);
  const image = await deps.images.get(state.uid, state.imageDigest);
  if (!image) throw new ScanError(`The image '${state.imageDigest}' no longer exists.`);
  const feed = await deps.scans.activeFeed();
  if (!feed)
    throw new ScanError(
      'No vulnerability feed has been imported yet: put OSV exports in the feed location (SCAN_FEED_DIR) and import them (npm run feed:import).',
    );
  const images = await platformImages(deps.images, deps.blobs, state.uid, image);
  const plan: Plan = { scanId: state.scanId, feedId: feed.feedId, feedImportedAt: feed.importedAt, images };
  const planObject = scanPlanObject(state.scanId);
  await putJson(deps, planObject, plan);
  return { ...state, planObject, feedId: feed.feedId, layers: [...new Set(images.flatMap((i) => i.layers))] };
}

/** IndexLayer (one Map iteration): indexes a layer unless its index is cached for this indexer version. */
async function indexOneLayer(deps: ScanDeps, _actor: Actor, input: { digest: string }): Promise<{ digest: string; cached: boolean }> {
  const key = layerIndexObject(input.digest, INDEXER_VERSION);
  if ((await deps.blobs.size(key)) !== undefined) return { digest: input.digest, cached: true };
  const blob = await deps.layers.getBlob(input.digest);
  if (!blob) throw new ScanError(`The layer '${input.digest}' is not stored in this registry.`);
  const index = await indexLayer(await deps.blobs.getStream(blob.object), input.digest);
  await putJson(deps, key, index);
  return { digest: input.digest, cached: false };
}

/** Coalesce: each platform image's layers merged into its inventory; flags an image nothing can be matched in. */
async function coalesceLayers(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const plan = await json<Plan>(deps, state.planObject!);
  const inventories: string[] = [];
  let supported = false;
  for (const image of plan.images) {
    const indexes = await Promise.all(image.layers.map((d) => json<LayerIndex>(deps, layerIndexObject(d, INDEXER_VERSION))));
    const inventory = coalesce(indexes);
    const key = inventoryObject(image.digest, INDEXER_VERSION);
    await putJson(deps, key, inventory);
    inventories.push(key);
    supported ||= !!inventory.osEcosystem || (state.scanType === 'ENHANCED' && (inventory.npmPackages.length > 0 || inventory.pythonPackages.length > 0));
  }
  return { ...state, inventories, unsupported: !supported };
}

/** Match: the inventories against the run's feed; stores the findings, passes on their key and counts. */
async function matchFindings(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const plan = await json<Plan>(deps, state.planObject!);
  const tags = await deps.images.tagsOf(state.uid, state.imageDigest);
  const feed = new FeedReader(deps.blobs, plan.feedId);
  const scannedAt = deps.now();
  const inputs = await Promise.all(
    plan.images.map(async (image, i) => ({
      inventory: await json<Inventory>(deps, state.inventories![i]),
      image: imageContext(deps, state, tags, image.pushedAt, scannedAt, image.architecture),
    })),
  );
  const result = await matchAndStore(deps.blobs, feed, state.scanType, inputs, { uid: state.uid, digest: state.imageDigest, runId: state.scanId });
  return { ...state, result: { ...result, completedAt: scannedAt.getTime(), feedImportedAt: plan.feedImportedAt } };
}

/** WriteFindings: the result recorded on the scan, if this run is still the image's current scan. */
async function writeFindings(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const { result } = state;
  await deps.scans.update(state.uid, state.imageDigest, state.scanId, {
    status: 'COMPLETE',
    description: 'The scan was completed successfully.',
    completedAt: result!.completedAt,
    feedId: state.feedId,
    feedImportedAt: result!.feedImportedAt,
    inventories: state.inventories,
    findingsObject: result!.findingsObject,
    findingSeverityCounts: result!.findingSeverityCounts,
    findingCount: result!.findingCount,
  });
  return state;
}

/** The image as enhanced findings describe it. */
export function imageContext(
  deps: ScanDeps,
  state: Pick<ScanState, 'repositoryName' | 'imageDigest'>,
  tags: string[],
  pushedAt: number,
  scannedAt: Date,
  architecture?: string,
): ImageContext {
  return {
    registryId: deps.config.registryId,
    region: deps.config.region,
    repositoryName: state.repositoryName,
    imageDigest: state.imageDigest,
    imageTags: tags,
    pushedAt: new Date(pushedAt),
    scannedAt,
    ...(architecture ? { architecture } : {}),
  };
}

/** RecordUnsupported: what ECR reports for an image without a recognised OS and package database. */
async function recordUnsupported(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const basic = state.scanType === 'BASIC';
  await deps.scans.update(state.uid, state.imageDigest, state.scanId, {
    status: basic ? 'FAILED' : 'UNSUPPORTED_IMAGE',
    description: basic ? `UnsupportedImageError: ${UNSUPPORTED_DESCRIPTION}` : UNSUPPORTED_DESCRIPTION,
    completedAt: deps.now().getTime(),
  });
  return state;
}

/** RecordFailure (every Catch): FAILED, with the error's message as the description. */
async function recordFailure(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  await deps.scans.update(state.uid, state.imageDigest, state.scanId, {
    status: 'FAILED',
    description: failureMessage(state.error),
    // A step failed on our side (not the image's fault, which RecordUnsupported reports): the allowance is given back.
    quotaReturned: true,
    completedAt: deps.now().getTime(),
  });
  return state;
}

/** The message of a caught error, whether the runner gave the message or a Lambda's JSON error. */
export function failureMessage(error: ScanState['error']): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause);
    if (typeof parsed?.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    /* a plain message */
  }
  return cause || error?.Error || 'The scan failed.';
}

/** EmitEvent: the "ECR Image Scan" event for this run's result (nothing when a newer scan replaced it). */
async function emitEvent(deps: ScanDeps, _actor: Actor, state: ScanState): Promise<ScanState> {
  const scan = await deps.scans.get(state.uid, state.imageDigest);
  if (!scan || scan.scanId !== state.scanId) return state;
  const tags = await deps.images.tagsOf(state.uid, state.imageDigest);
  await deps.events.publish([imageScanEvent(deps.config, state.repositoryName, scan, tags, deps.now())]);
  return { repositoryName: state.repositoryName, uid: state.uid, imageDigest: state.imageDigest, scanId: state.scanId, scanType: state.scanType };
}

/** The task handlers of infra/scan.asl.json, by state name. */
export const SCAN_TASKS = {
  ResolveManifest: resolveManifest,
  IndexLayer: indexOneLayer,
  Coalesce: coalesceLayers,
  Match: matchFindings,
  WriteFindings: writeFindings,
  RecordUnsupported: recordUnsupported,
  RecordFailure: recordFailure,
  EmitEvent: emitEvent,
} satisfies Record<string, (deps: ScanDeps, actor: Actor, input: any) => Promise<unknown>>;
