/**
 * IAM condition operators over a request context: String*, Arn*, Numeric*, Date*, Bool, IpAddress / NotIpAddress,
 * Null, the `...IfExists` suffix and the `ForAnyValue:` / `ForAllValues:` set prefixes, as IAM's documentation
 * defines them. A key missing from the context fails a condition, except a negated operator (it holds), an
 * `...IfExists` one (it holds) and Null.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Condition } from './policy.ts';
import { wildcardMatch } from './policy.ts';

/** The request context: condition keys (matched without case) to one value or a set of values. */
export type Context = Record<string, string | string[] | undefined>;

type Compare = (actual: string, expected: string) => boolean;

const num = (s: string) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : Number.NaN);
const date = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

function ipMatch(actual: string, cidr: string): boolean {
  const [address, bits] = cidr.split('/');
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  const actualFamily = isIPv4(actual) ? 'ipv4' : isIPv6(actual) ? 'ipv6' : undefined;
  if (!family || family !== actualFamily) return false;
  const list = new BlockList();
  if (bits === undefined) list.addAddress(address, family);
  else list.addSubnet(address, Number(bits), family);
  return list.check(actual, family);
}

/** Each operator: how one actual value compares with one policy value, and whether the operator is negated. */
const OPERATORS: Record<string, { match: Compare; negated?: boolean }> = {
  StringEquals: { match: (a, e) => a === e },
  StringNotEquals: { match: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase() },
  StringNotEqualsIgnoreCase: { match: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { match: (a, e) => wildcardMatch(e, a) },
  StringNotLike: { match: (a, e) => wildcardMatch(e, a), negated: true },
  ArnEquals: { match: (a, e) => a === e },
  ArnLike: { match: (a, e) => arnLike(a, e) },
  ArnNotEquals: { match: (a, e) => a === e, negated: true },
  ArnNotLike: { match: (a, e) => arnLike(a, e), negated: true },
  NumericEquals: { match: (a, e) => num(a) === num(e) },
  NumericNotEquals: { match: (a, e) => num(a) === num(e), negated: true },
  NumericLessThan: { match: (a, e) => num(a) < num(e) },
  NumericLessThanEquals: { match: (a, e) => num(a) <= num(e) },
  NumericGreaterThan: { match: (a, e) => num(a) > num(e) },
  NumericGreaterThanEquals: { match: (a, e) => num(a) >= num(e) },
  DateEquals: { match: (a, e) => date(a) === date(e) },
  DateNotEquals: { match: (a, e) => date(a) === date(e), negated: true },
  DateLessThan: { match: (a, e) => date(a) < date(e) },
  DateLessThanEquals: { match: (a, e) => date(a) <= date(e) },
  DateGreaterThan: { match: (a, e) => date(a) > date(e) },
  DateGreaterThanEquals: { match: (a, e) => date(a) >= date(e) },
  Bool: { match: (a, e) => a.toLowerCase() === e.toLowerCase() },
  IpAddress: { match: ipMatch },
  NotIpAddress: { match: ipMatch, negated: true },
};

/** ArnLike: each of the six colon-separated parts matched with wildcards (the last part may hold colons). */
function arnLike(actual: string, pattern: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length > 6 ? [...parts.slice(0, 5), parts.slice(5).join(':')] : parts;
  };
  const a = split(actual);
  const p = split(pattern);
  return a.length === p.length && p.every((part, i) => wildcardMatch(part, a[i]));
}

/** Whether every condition of a statement holds in `context` (`substitute` fills policy variables in values). */
export function conditionsHold(condition: Condition | undefined, context: Context, substitute: (s: string) => string): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => holds(operator, key, expected, context, substitute)),
  );
}

function holds(operator: string, key: string, expected: unknown, context: Context, substitute: (s: string) => string): boolean {
  let name = operator;
  let set: 'any' | 'all' | undefined;
  if (name.startsWith('ForAnyValue:')) [set, name] = ['any', name.slice('ForAnyValue:'.length)];
  else if (name.startsWith('ForAllValues:')) [set, name] = ['all', name.slice('ForAllValues:'.length)];
  const ifExists = name.endsWith('IfExists') && name !== 'IfExists';
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const values = (Array.isArray(expected) ? expected : [expected]).map((v) => substitute(String(v)));
  const actual = lookup(context, key);
  if (name === 'Null') {
    const missing = actual === undefined || (Array.isArray(actual) && actual.length === 0);
    return values.some((v) => (v.toLowerCase() === 'true') === missing);
  }
  const op = OPERATORS[name];
  // An operator the evaluator does not know never grants: as a Deny it matches nothing either.
  if (!op) return false;
  if (actual === undefined) return ifExists || op.negated === true || set === 'all';
  const actuals = Array.isArray(actual) ? actual : [actual];
  const matchesOne = (a: string) => values.some((v) => op.match(a, v));
  if (set === 'all') return actuals.every((a) => (op.negated ? !matchesOne(a) : matchesOne(a)));
  if (set === 'any' || actuals.length > 1) return actuals.some((a) => (op.negated ? !matchesOne(a) : matchesOne(a)));
  return op.negated ? !matchesOne(actuals[0]) : matchesOne(actuals[0]);
}

/** A key's value; keys are matched without case, as IAM does. */
function lookup(context: Context, key: string): string | string[] | undefined {
  if (Object.hasOwn(context, key)) return context[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
