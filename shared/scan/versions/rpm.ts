/**
 * RPM package versions, compared as rpm's rpmvercmp does (the algorithm rpm documents for EVR
 * ordering): `[epoch:]version[-release]`; the epoch as a number, then version and release by
 * alternating alphanumeric segments, where separators only split, digits beat letters, `~` sorts
 * before anything (even the end) and `^` sorts after the end but before any further segment.
 */

export type RpmVersion = { epoch: number; version: string; release: string };

/** Splits `[epoch:]version[-release]`. */
export function parseRpmVersion(text: string): RpmVersion {
  const v = text.trim();
  const m = /^(\d+):(.*)$/.exec(v);
  const rest = m ? m[2] : v;
  const hyphen = rest.lastIndexOf('-');
  return { epoch: m ? Number(m[1]) : 0, version: hyphen >= 0 ? rest.slice(0, hyphen) : rest, release: hyphen >= 0 ? rest.slice(hyphen + 1) : '' };
}

/** -1, 0 or 1 as rpm orders two EVR strings (a missing release on either side is not compared). */
export function compareRpm(a: string, b: string): number {
  const x = parseRpmVersion(a);
  const y = parseRpmVersion(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || !x.release || !y.release) return v;
  return rpmvercmp(x.release, y.release);
}

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** rpmvercmp: -1, 0 or 1 for two version (or release) strings. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(a[i]);
    const take = (s: string, k: number) => {
      let e = k;
      while (e < s.length && (numeric ? isDigit(s[e]) : /^[A-Za-z]$/.test(s[e]))) e++;
      return e;
    };
    const ei = take(a, i);
    const ej = take(b, j);
    // A numeric segment beats an alphabetic one.
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}
