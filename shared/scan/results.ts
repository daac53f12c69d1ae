/**
 * Turning inventories into stored findings (shared by the scan job's Match state and by continuous
 * re-matching after a feed import), and the "ECR Image Scan" event.
 */
import { ecrEvent, type RegistryEvent } from '../events/publisher.ts';
import type { BlobStore } from '../store/blobs.ts';
import { findingsObject } from '../store/keys.ts';
import type { ScanRecord, ScanType } from '../store/scans.ts';
import type { Config } from '../config.ts';
import type { Inventory } from './index/coalesce.ts';
import { basicFinding, bySeverity, enhancedFinding, severityCounts, type ImageContext } from './findings.ts';
import { matchInventory } from './match.ts';
import type { FeedReader } from './feed/shards.ts';

export type StoredFindings = { findings?: ReturnType<typeof basicFinding>[]; enhancedFindings?: ReturnType<typeof enhancedFinding>[] };
export type MatchOutcome = { findingsObject: string; findingSeverityCounts: Record<string, number>; findingCount: number };

/** Matches each platform inventory against the feed and stores the findings (basic or enhanced) as one object. */
export async function matchAndStore(
  blobs: BlobStore,
  feed: FeedReader,
  scanType: ScanType,
  inventories: { inventory: Inventory; image: ImageContext }[],
  objectKey: { uid: string; digest: string; runId: string },
): Promise<MatchOutcome> {
  const basic = new Map<string, ReturnType<typeof basicFinding>>();
  const enhanced = new Map<string, ReturnType<typeof enhancedFinding>>();
  for (const { inventory, image } of inventories) {
    const matches = await matchInventory(inventory, feed, { languages: scanType === 'ENHANCED' });
    for (const m of matches) {
      if (scanType === 'ENHANCED') {
        const f = enhancedFinding(m, image);
        enhanced.set(f.findingArn, f);
      } else {
        const f = basicFinding(m);
        basic.set(`${f.name}\u0000${f.attributes.map((a) => a.value).join('\u0000')}`, f);
      }
    }
  }
  const stored: StoredFindings =
    scanType === 'ENHANCED' ? { enhancedFindings: [...enhanced.values()].sort(bySeverity) } : { findings: [...basic.values()].sort(bySeverity) };
  const list: { severity: string }[] = stored.findings ?? stored.enhancedFindings ?? [];
  const key = findingsObject(objectKey.uid, objectKey.digest, objectKey.runId);
  await blobs.put(key, Buffer.from(JSON.stringify(stored)));
  return { findingsObject: key, findingSeverityCounts: severityCounts(list), findingCount: list.length };
}

/** Reads stored findings back (timestamps of enhanced findings revived as Dates). */
export async function readFindings(blobs: BlobStore, key: string): Promise<StoredFindings> {
  const text = (await blobs.getBytes(key)).toString('utf8');
  return JSON.parse(text, (k, v) => (typeof v === 'string' && /At$/.test(k) && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v));
}

/** The "ECR Image Scan" event of a finished scan, as ECR publishes it to EventBridge. */
export function imageScanEvent(config: Config, repositoryName: string, scan: ScanRecord, tags: string[], at: Date): RegistryEvent {
  return ecrEvent(
    'ECR Image Scan',
    config.registryId,
    config.region,
    {
      'scan-status': scan.status,
      'repository-name': repositoryName,
      'image-digest': scan.digest,
      'image-tags': tags,
      'finding-severity-counts': scan.findingSeverityCounts ?? {},
    },
    [`arn:aws:ecr:${config.region}:${config.registryId}:repository/${repositoryName}`],
    at,
  );
}
