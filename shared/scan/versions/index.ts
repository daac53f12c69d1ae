/** The version order of each package ecosystem the matcher knows, by OSV ecosystem name (without release). */
import { compareApk } from './apk.ts';
import { compareDebian } from './deb.ts';
import { comparePep440 } from './pep440.ts';
import { compareRpm } from './rpm.ts';
import { compareSemver } from './semver.ts';

export type Compare = (a: string, b: string) => number;

const BY_ECOSYSTEM: Record<string, Compare> = {
  Debian: compareDebian,
  Ubuntu: compareDebian,
  Alpine: compareApk,
  'Red Hat': compareRpm,
  AlmaLinux: compareRpm,
  'Rocky Linux': compareRpm,
  openSUSE: compareRpm,
  SUSE: compareRpm,
  npm: compareSemver,
  PyPI: comparePep440,
};

/** The comparator for an OSV ecosystem such as `Debian:12` or `Alpine:v3.18`; undefined when unknown. */
export function comparatorFor(ecosystem: string): Compare | undefined {
  const base = ecosystem.split(':')[0];
  return Object.hasOwn(BY_ECOSYSTEM, base) ? BY_ECOSYSTEM[base] : undefined;
}
