/**
 * Which repositories scan, and how: the registry's scanning rules (WILDCARD repository filters) applied
 * to a repository, with the repository's own scanOnPush flag (PutImageScanningConfiguration) as the
 * fallback for repositories no rule matches.
 */
import type { RepositoryRecord } from '../store/types.ts';
import type { RegistryScanningConfiguration, ScanningRule, ScanType } from '../store/scans.ts';

export const DEFAULT_CONFIGURATION: RegistryScanningConfiguration = { scanType: 'BASIC', rules: [] };

/** Whether a WILDCARD filter (`*` matches any run of characters, `/` included) matches the repository name. */
export function wildcardMatches(filter: string, name: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(name);
}

/** How strongly each frequency scans, to pick among several matching rules. */
const STRENGTH: Record<ScanningRule['scanFrequency'], number> = { CONTINUOUS_SCAN: 3, SCAN_ON_PUSH: 2, MANUAL: 1 };

export type EffectiveScanning = {
  scanType: ScanType;
  scanFrequency: ScanningRule['scanFrequency'];
  scanOnPush: boolean;
  appliedScanFilters: ScanningRule['repositoryFilters'];
};

/** The scanning a repository gets: the strongest registry rule matching its name, else its own scanOnPush flag. */
export function effectiveScanning(configuration: RegistryScanningConfiguration, repo: RepositoryRecord): EffectiveScanning {
  let best: { rule: ScanningRule; filters: ScanningRule['repositoryFilters'] } | undefined;
  for (const rule of configuration.rules) {
    const filters = rule.repositoryFilters.filter((f) => wildcardMatches(f.filter, repo.name));
    if (filters.length && (!best || STRENGTH[rule.scanFrequency] > STRENGTH[best.rule.scanFrequency])) best = { rule, filters };
  }
  if (best) {
    return {
      scanType: configuration.scanType,
      scanFrequency: best.rule.scanFrequency,
      scanOnPush: best.rule.scanFrequency !== 'MANUAL',
      appliedScanFilters: best.filters,
    };
  }
  return { scanType: configuration.scanType, scanFrequency: repo.scanOnPush ? 'SCAN_ON_PUSH' : 'MANUAL', scanOnPush: repo.scanOnPush, appliedScanFilters: [] };
}
