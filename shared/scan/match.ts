/**
 * The matcher: an image's inventory against the advisories of one feed. OS packages are matched by
 * their source package where the database names one (Debian and Ubuntu publish advisories per source
 * package, Alpine per origin), with the distribution's own version order; RPM packages by both their
 * source and binary names (OSV's RPM feeds name either); language packages (npm, PyPI) by name and
 * their ecosystem's order.
 */
import type { Inventory, Located } from './index/coalesce.ts';
import { affects, normalizeName, type Advisory } from './feed/osv.ts';
import { comparatorFor } from './versions/index.ts';

/** Where advisories come from: one consistent feed. */
export interface AdvisorySource {
  /** Advisories per (normalised) package name, for the names asked, in one ecosystem (with release). */
  advisoriesFor(ecosystem: string, names: string[]): Promise<Map<string, Advisory[]>>;
}

export type PackageKind = 'OS' | 'NPM' | 'PYTHONPKG';

/** One vulnerable installed package. */
export type Match = {
  advisory: Advisory;
  ecosystem: string;
  kind: PackageKind;
  located: Located;
  /** The fixed version above the installed one, when the feed knows it. */
  fixed?: string;
};

/** Every (advisory, package) pair that matches; language packages only when `languages` is set. */
export async function matchInventory(inventory: Inventory, source: AdvisorySource, options: { languages: boolean }): Promise<Match[]> {
  const matches: Match[] = [];
  if (inventory.osEcosystem) {
    const rpm = inventory.packageManager === 'rpm';
    const key = (l: Located) => ({
      names: rpm ? [l.pkg.source ?? l.pkg.name, l.pkg.name] : [l.pkg.source ?? l.pkg.name],
      version: l.pkg.sourceVersion ?? l.pkg.version,
    });
    for (const ecosystem of feedEcosystems(inventory.osEcosystem)) matches.push(...(await matchGroup(ecosystem, 'OS', inventory.osPackages, source, key)));
  }
  if (options.languages) {
    matches.push(...(await matchGroup('npm', 'NPM', inventory.npmPackages, source, (l) => ({ names: [l.pkg.name], version: l.pkg.version }))));
    matches.push(
      ...(await matchGroup('PyPI', 'PYTHONPKG', inventory.pythonPackages, source, (l) => ({
        names: [normalizeName('PyPI', l.pkg.name)],
        version: l.pkg.version,
      }))),
    );
  }
  return dedupe(matches);
}

/** The feed ecosystems of an OS release: Red Hat's advisories are per repository (`Red Hat:enterprise_linux:9::baseos`). */
export function feedEcosystems(osEcosystem: string): string[] {
  if (!osEcosystem.startsWith('Red Hat:')) return [osEcosystem];
  return ['baseos', 'appstream', 'crb'].map((repo) => `${osEcosystem}::${repo}`);
}

async function matchGroup(
  ecosystem: string,
  kind: PackageKind,
  packages: Located[],
  source: AdvisorySource,
  key: (l: Located) => { names: string[]; version: string },
): Promise<Match[]> {
  const compare = comparatorFor(ecosystem);
  if (!compare || !packages.length) return [];
  const advisories = await source.advisoriesFor(ecosystem, [...new Set(packages.flatMap((l) => key(l).names))]);
  const out: Match[] = [];
  for (const located of packages) {
    const { names, version } = key(located);
    for (const advisory of [...new Set(names)].flatMap((name) => advisories.get(name) ?? [])) {
      const verdict = affects(advisory, version, compare);
      if (verdict.affected) out.push({ advisory, ecosystem, kind, located, ...(verdict.fixed ? { fixed: verdict.fixed } : {}) });
    }
  }
  return out;
}

/** One finding per vulnerability name and installed package (several advisories may name the same CVE). */
function dedupe(matches: Match[]): Match[] {
  const seen = new Map<string, Match>();
  for (const m of matches) {
    const key = `${m.advisory.name}\u0000${m.kind}\u0000${m.located.pkg.name}\u0000${m.located.pkg.version}\u0000${m.located.path}`;
    const prior = seen.get(key);
    if (!prior || rank(m) > rank(prior)) seen.set(key, m);
  }
  return [...seen.values()];
}

/** Prefer the advisory that knows more: a CVSS score, then a vendor severity. */
const rank = (m: Match) => (m.advisory.cvss ? 2 : 0) + (m.advisory.vendorSeverity ? 1 : 0);
