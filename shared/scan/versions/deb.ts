/**
 * Debian package versions, compared as deb-version(7) and Debian Policy §5.6.12 specify:
 * `[epoch:]upstream_version[-debian_revision]`; the epoch compares as a number, then the upstream
 * version, then the revision, each by the alternating non-digit / digit algorithm, in which `~` sorts
 * before everything (even the end of the string) and letters sort before other characters.
 */

export type DebianVersion = { epoch: number; upstream: string; revision: string };

/** Splits a Debian version string into epoch, upstream version and revision (missing parts empty / 0). */
export function parseDebianVersion(text: string): DebianVersion {
  const v = text.trim();
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? v.slice(colon + 1) : v;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0 ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) } : { epoch, upstream: rest, revision: '' };
}

/** -1, 0 or 1 as Debian orders the two versions. */
export function compareDebian(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return Math.sign(compareFragment(x.upstream, y.upstream)) || Math.sign(compareFragment(x.revision, y.revision));
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);

/** The weight of a character in a non-digit part: `~` lowest, then the end, then letters, then the rest. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (isLetter(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** Compares an upstream version or a revision: non-digit prefixes lexically (by weight), digit runs numerically. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = weight(a[i]) - weight(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDifference = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDifference) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDifference) return firstDifference;
  }
  return 0;
}
