/**
 * Python package versions ordered as PEP 440 specifies (the order OSV's PyPI ranges use):
 * `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spelling variations PEP 440 normalises
 * (`alpha`, `c`, `pre`, `-1` as a post release, separators, a leading `v`). Trailing zeros of the
 * release do not count; a dev release sorts below its pre-releases, a post release above its release.
 */
import { compareNumbers } from './semver.ts';

const PEP440 =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

type Parsed = { epoch: string; release: string[]; pre?: [number, string]; post?: string; dev?: string; local?: string[] };

function parse(text: string): Parsed | undefined {
  const m = PEP440.exec(text);
  if (!m) return undefined;
  const release = m[2].split('.');
  while (release.length > 1 && /^0+$/.test(release[release.length - 1])) release.pop();
  const preKind = m[3]?.toLowerCase();
  const preRank = preKind === undefined ? undefined : preKind.startsWith('a') ? 0 : preKind.startsWith('b') ? 1 : 2;
  return {
    epoch: m[1] ?? '0',
    release,
    ...(preRank !== undefined ? { pre: [preRank, m[4] ?? '0'] as [number, string] } : {}),
    ...(m[5] !== undefined || m[6] !== undefined ? { post: m[5] ?? m[7] ?? '0' } : {}),
    ...(m[8] !== undefined ? { dev: m[9] ?? '0' } : {}),
    ...(m[10] !== undefined ? { local: m[10].toLowerCase().split(/[-_.]/) } : {}),
  };
}

/** -1, 0 or 1 by PEP 440 ordering; invalid versions sort below valid ones, and among themselves as strings. */
export function comparePep440(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return x ? 1 : y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  let d = compareNumbers(x.epoch, y.epoch);
  if (d) return d;
  for (let k = 0; k < Math.max(x.release.length, y.release.length); k++) {
    d = compareNumbers(x.release[k] ?? '0', y.release[k] ?? '0');
    if (d) return d;
  }
  d = compareTuple(preKey(x), preKey(y));
  if (d) return d;
  d = compareTuple(x.post === undefined ? [-1] : [0, x.post], y.post === undefined ? [-1] : [0, y.post]);
  if (d) return d;
  d = compareTuple(x.dev === undefined ? [1] : [0, x.dev], y.dev === undefined ? [1] : [0, y.dev]);
  if (d) return d;
  return compareLocal(x.local ?? [], y.local ?? []);
}

/** A dev release with no pre or post release sorts before every pre-release of its release. */
function preKey(p: Parsed): (number | string)[] {
  if (p.pre) return [1, p.pre[0], p.pre[1]];
  if (p.post === undefined && p.dev !== undefined) return [0];
  return [2];
}

function compareTuple(a: (number | string)[], b: (number | string)[]): number {
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (k >= a.length) return -1;
    if (k >= b.length) return 1;
    const d = typeof a[k] === 'number' ? (a[k] as number) - (b[k] as number) : compareNumbers(String(a[k]), String(b[k]));
    if (d) return Math.sign(d);
  }
  return 0;
}

/** Local segments: numeric beats alphanumeric, numbers numerically, a longer label wins a tie. */
function compareLocal(a: string[], b: string[]): number {
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (k >= a.length) return -1;
    if (k >= b.length) return 1;
    const na = /^\d+$/.test(a[k]);
    const nb = /^\d+$/.test(b[k]);
    if (na !== nb) return na ? 1 : -1;
    const d = na ? compareNumbers(a[k], b[k]) : a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0;
    if (d) return d;
  }
  return 0;
}
