/** The scan fields of the ECR API: ImageScanStatus, ImageScanFindingsSummary, and what DescribeImages adds. */
import type { ScanRecord } from '../store/scans.ts';

/** The ImageScanStatus of a scan record. */
export function scanStatus(scan: ScanRecord) {
  return { status: scan.status, ...(scan.description ? { description: scan.description } : {}) };
}

/** The ImageScanFindingsSummary of a completed scan: completion time, feed time, counts of present severities. */
export function findingsSummary(scan: ScanRecord) {
  return {
    ...(scan.completedAt ? { imageScanCompletedAt: new Date(scan.completedAt) } : {}),
    ...(scan.feedImportedAt ? { vulnerabilitySourceUpdatedAt: new Date(scan.feedImportedAt) } : {}),
    findingSeverityCounts: scan.findingSeverityCounts ?? {},
  };
}
