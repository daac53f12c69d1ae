/**
 * Alpine package versions, compared as apk-tools orders them (the APKBUILD `pkgver-rpkgrel` format):
 * dot-separated numbers (after the first, a component with leading zeros sorts below one without),
 * an optional letter, `_suffix[N]` parts (`alpha` < `beta` < `pre` < `rc` < none < `cvs` < `svn` < `git`
 * < `hg` < `p`), and `-rN`. A version that breaks the grammar compares up to where it breaks.
 */

type TokenType = 'invalid' | 'digitOrZero' | 'digit' | 'letter' | 'suffix' | 'suffixNo' | 'revisionNo' | 'end';
const RANK: Record<TokenType, number> = { invalid: -1, digitOrZero: 0, digit: 1, letter: 2, suffix: 3, suffixNo: 4, revisionNo: 5, end: 6 };
const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';

/** A cursor over one version string that yields its tokens' values in order. */
class Tokens {
  type: TokenType = 'digit';
  private pos = 0;
  constructor(private readonly s: string) {}

  /** The value of the current token, advancing past it; -1 (and type invalid) on a bad suffix. */
  next(): number {
    const s = this.s;
    if (this.pos >= s.length) {
      this.type = 'end';
      return 0;
    }
    let value = 0;
    let i = this.pos;
    let forced: TokenType | undefined;
    switch (this.type) {
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: a number without a leading zero is an ordinary digit token
      case 'digitOrZero':
        if (s[i] === '0') {
          while (i < s.length && s[i] === '0') i++;
          value = -(i - this.pos);
          forced = 'digit';
          break;
        }
      // falls through: no leading zero, an ordinary number
      case 'digit':
      case 'suffixNo':
      case 'revisionNo':
        while (i < s.length && isDigit(s[i])) value = value * 10 + (s.charCodeAt(i++) - 48);
        break;
      case 'letter':
        value = s.charCodeAt(i++);
        break;
      case 'suffix': {
        const rest = s.slice(i);
        const pre = PRE_SUFFIXES.findIndex((x) => rest.startsWith(x));
        if (pre >= 0) {
          value = pre - PRE_SUFFIXES.length;
          i += PRE_SUFFIXES[pre].length;
          break;
        }
        const post = POST_SUFFIXES.findIndex((x) => rest.startsWith(x));
        if (post >= 0) {
          value = post;
          i += POST_SUFFIXES[post].length;
          break;
        }
        this.type = 'invalid';
        return -1;
      }
      default:
        this.type = 'invalid';
        return -1;
    }
    this.pos = i;
    if (this.pos >= s.length) this.type = 'end';
    else if (forced) this.type = forced;
    else this.advanceType();
    return value;
  }

  /** Reads the separator (if any) after a token and decides the next token's type. */
  private advanceType() {
    const s = this.s;
    const c = s[this.pos];
    let next: TokenType = 'invalid';
    if ((this.type === 'digit' || this.type === 'digitOrZero') && isLower(c)) next = 'letter';
    else if (this.type === 'letter' && isDigit(c)) next = 'digit';
    else if (this.type === 'suffix' && isDigit(c)) next = 'suffixNo';
    else {
      if (c === '.') next = 'digitOrZero';
      else if (c === '_') next = 'suffix';
      else if (c === '-' && s[this.pos + 1] === 'r') {
        next = 'revisionNo';
        this.pos++;
      }
      this.pos++;
    }
    const allowedBackwards =
      (next === 'digitOrZero' && this.type === 'digit') || (next === 'suffix' && this.type === 'suffixNo') || (next === 'digit' && this.type === 'letter');
    if (RANK[next] < RANK[this.type] && !allowedBackwards) next = 'invalid';
    this.type = next;
  }
}

/** -1, 0 or 1 as apk orders the two versions. */
export function compareApk(a: string, b: string): number {
  const x = new Tokens(a.trim());
  const y = new Tokens(b.trim());
  let av = 0;
  let bv = 0;
  while (x.type === y.type && x.type !== 'end' && x.type !== 'invalid' && av === bv) {
    av = x.next();
    bv = y.next();
  }
  if (av !== bv) return av < bv ? -1 : 1;
  if (x.type === y.type) return 0;
  // Equal so far: the longer version is greater, unless what it continues with is a pre-release suffix.
  if (x.type === 'suffix' && peekSuffix(x) < 0) return -1;
  if (y.type === 'suffix' && peekSuffix(y) < 0) return 1;
  if (RANK[x.type] > RANK[y.type]) return -1;
  if (RANK[y.type] > RANK[x.type]) return 1;
  return 0;
}

function peekSuffix(t: Tokens): number {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(t)), t) as Tokens;
  return copy.next();
}
