/**
 * Semantic Versioning 2.0.0 precedence (§11), the order OSV's SEMVER ranges and npm use:
 * major.minor.patch numerically, a pre-release below its release, pre-release identifiers compared
 * dot by dot (numeric ones numerically and below alphanumeric ones), build metadata ignored.
 */

const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** -1, 0 or 1 by SemVer precedence; versions outside the grammar compare as plain strings after those inside it. */
export function compareSemver(a: string, b: string): number {
  const x = SEMVER.exec(a.trim());
  const y = SEMVER.exec(b.trim());
  if (!x || !y) return x ? -1 : y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  for (let k = 1; k <= 3; k++) {
    const d = compareNumbers(x[k] ?? '0', y[k] ?? '0');
    if (d) return d;
  }
  const pa = x[4];
  const pb = y[4];
  if (pa === undefined || pb === undefined) return pa === pb ? 0 : pa === undefined ? 1 : -1;
  const ia = pa.split('.');
  const ib = pb.split('.');
  for (let k = 0; k < Math.max(ia.length, ib.length); k++) {
    if (k >= ia.length) return -1;
    if (k >= ib.length) return 1;
    const na = /^\d+$/.test(ia[k]);
    const nb = /^\d+$/.test(ib[k]);
    if (na && nb) {
      const d = compareNumbers(ia[k], ib[k]);
      if (d) return d;
      continue;
    }
    if (na !== nb) return na ? -1 : 1;
    if (ia[k] !== ib[k]) return ia[k] < ib[k] ? -1 : 1;
  }
  return 0;
}

/** Compares decimal digit strings of any length. */
export function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
