/**
 * IAM policy documents as the evaluator reads them: parsed once (per change of the document), statements
 * normalised to lists. Version, Statement (object or list), Sid, Effect, Action / NotAction, Resource / NotResource,
 * Principal / NotPrincipal and Condition.
 */

export type Condition = Record<string, Record<string, unknown>>;
export type Principal = '*' | { AWS?: string[]; Service?: string[]; Federated?: string[]; CanonicalUser?: string[] };

export type Statement = {
  sid?: string;
  effect: 'Allow' | 'Deny';
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: Principal;
  notPrincipal?: Principal;
  condition?: Condition;
};

export type Policy = { version: string; statements: Statement[] };

/** A document the evaluator cannot read; `reason` says why. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

const list = (value: unknown, what: string): string[] | undefined => {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.some((v) => typeof v !== 'string')) throw new PolicyError(`${what} must be a string or a list of strings`);
  return values as string[];
};

function principal(value: unknown, what: string): Principal | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError(`${what} must be "*" or an object`);
  const out: Exclude<Principal, '*'> = {};
  for (const [kind, v] of Object.entries(value)) {
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(kind)) throw new PolicyError(`${what} has an unknown kind ${kind}`);
    out[kind as keyof typeof out] = list(v, `${what}.${kind}`);
  }
  return out;
}

/** Parses a policy document (text or object); PolicyError when it is not one. */
export function parsePolicy(document: string | object): Policy {
  let doc: any;
  try {
    doc = typeof document === 'string' ? JSON.parse(document) : document;
  } catch {
    throw new PolicyError('the policy is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new PolicyError('the policy must be a JSON object');
  const version = doc.Version ?? '2008-10-17';
  if (version !== '2012-10-17' && version !== '2008-10-17') throw new PolicyError(`unknown policy Version ${version}`);
  const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (raw.length === 0) throw new PolicyError('the policy has no Statement');
  const statements = raw.map((s: any, i: number): Statement => {
    const at = `Statement[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new PolicyError(`${at} must be an object`);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new PolicyError(`${at}.Effect must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined)) throw new PolicyError(`${at} needs exactly one of Action and NotAction`);
    if (s.Resource !== undefined && s.NotResource !== undefined) throw new PolicyError(`${at} may not have both Resource and NotResource`);
    if (s.Principal !== undefined && s.NotPrincipal !== undefined) throw new PolicyError(`${at} may not have both Principal and NotPrincipal`);
    if (s.Condition !== undefined && (typeof s.Condition !== 'object' || s.Condition === null || Array.isArray(s.Condition)))
      throw new PolicyError(`${at}.Condition must be an object`);
    return {
      ...(typeof s.Sid === 'string' ? { sid: s.Sid } : {}),
      effect: s.Effect,
      action: list(s.Action, `${at}.Action`),
      notAction: list(s.NotAction, `${at}.NotAction`),
      resource: list(s.Resource, `${at}.Resource`),
      notResource: list(s.NotResource, `${at}.NotResource`),
      principal: principal(s.Principal, `${at}.Principal`),
      notPrincipal: principal(s.NotPrincipal, `${at}.NotPrincipal`),
      ...(s.Condition ? { condition: s.Condition } : {}),
    };
  });
  return { version, statements };
}

/** `*` and `?` wildcards, whole string; `caseless` for action names (IAM compares them without case). */
export function wildcardMatch(pattern: string, value: string, caseless = false): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return caseless ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${caseless ? 'i' : 's'}${pattern}`;
  let re = patterns.get(key);
  if (!re) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${source}$`, caseless ? 'is' : 's');
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(key, re);
  }
  return re.test(value);
}

/** Compiled wildcard patterns: a policy's patterns are compiled once, not on every decision. */
const patterns = new Map<string, RegExp>();
