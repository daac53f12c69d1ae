/**
 * IAM's policy evaluation for one request, as AWS documents it for identity-based and resource-based policies:
 * an explicit Deny in any applicable policy wins; a principal of the resource's account is allowed when its identity
 * policies allow, or a resource policy names it (or everyone); a principal of another account needs an allow on both
 * sides, the resource side naming it, its account or everyone; otherwise the request is implicitly denied. Actions
 * without a resource type (`*`) are decided by the identity policies alone.
 */
import { conditionsHold, type Context } from './conditions.ts';
import { wildcardMatch, type Policy, type Principal, type Statement } from './policy.ts';

export type Caller = {
  arn: string;
  account: string;
  /** The account's root: every action is allowed identity-wise. */
  root?: boolean;
};

export type Request = { caller: Caller; action: string; resource: string; context: Context };

export type Decision =
  | { allowed: true }
  | { allowed: false; because: 'explicit-identity-deny' | 'explicit-resource-deny' | 'no-identity-allow' | 'no-resource-allow' };

export type Policies = {
  identity: Policy[];
  /** The resource policies that apply (the repository's, the registry's), all in `resourceAccount`. */
  resource: Policy[];
  resourceAccount: string;
};

/** The decision for a request. */
export function evaluate(request: Request, policies: Policies): Decision {
  const { caller, action, resource } = request;
  const substitute = variables(request);
  const matches = (s: Statement, inResourcePolicy: boolean) =>
    actionMatches(s, action) && resourceMatches(s, resource, substitute, inResourcePolicy) && conditionsHold(s.condition, request.context, substitute);
  const identity = policies.identity.flatMap((p) => p.statements).filter((s) => matches(s, false));
  const resources = policies.resource
    .flatMap((p) => p.statements)
    .map((s) => ({ s, by: principalMatch(s, caller) }))
    .filter((r) => r.by !== 'none' && matches(r.s, true));
  if (identity.some((s) => s.effect === 'Deny')) return { allowed: false, because: 'explicit-identity-deny' };
  if (resources.some((r) => r.s.effect === 'Deny')) return { allowed: false, because: 'explicit-resource-deny' };
  const identityAllows = caller.root === true || identity.some((s) => s.effect === 'Allow');
  if (resource === '*') return identityAllows ? { allowed: true } : { allowed: false, because: 'no-identity-allow' };
  const sameAccount = caller.account === policies.resourceAccount;
  // Naming one's own account in a resource policy delegates to that account's identity policies: it grants nothing itself.
  const resourceAllows = resources.some((r) => r.s.effect === 'Allow' && (!sameAccount || r.by === 'principal'));
  if (sameAccount) return identityAllows || resourceAllows ? { allowed: true } : { allowed: false, because: 'no-identity-allow' };
  if (!identityAllows) return { allowed: false, because: 'no-identity-allow' };
  return resourceAllows ? { allowed: true } : { allowed: false, because: 'no-resource-allow' };
}

/** AWS's sentence for a refusal. */
export function refusal(request: Request, decision: Exclude<Decision, { allowed: true }>): string {
  const head = `User: ${request.caller.arn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  switch (decision.because) {
    case 'explicit-identity-deny':
      return `${head} with an explicit deny in an identity-based policy`;
    case 'explicit-resource-deny':
      return `${head} with an explicit deny in a resource-based policy`;
    case 'no-identity-allow':
      return `${head} because no identity-based policy allows the ${request.action} action`;
    case 'no-resource-allow':
      return `${head} because no resource-based policy allows the ${request.action} action`;
  }
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.action) return s.action.some((a) => wildcardMatch(a, action, true));
  return !s.notAction!.some((a) => wildcardMatch(a, action, true));
}

/** A resource policy statement without Resource applies to the resource it is attached to; an identity one to nothing. */
function resourceMatches(s: Statement, resource: string, substitute: (v: string) => string, inResourcePolicy: boolean): boolean {
  if (s.resource) return s.resource.some((r) => wildcardMatch(substitute(r), resource));
  if (s.notResource) return !s.notResource.some((r) => wildcardMatch(substitute(r), resource));
  return inResourcePolicy;
}

/** How a resource policy statement names the caller: by its ARN or `*` ('principal'), by its account, or not at all. */
function principalMatch(s: Statement, caller: Caller): 'principal' | 'account' | 'none' {
  if (s.principal) return named(s.principal, caller);
  if (s.notPrincipal) return named(s.notPrincipal, caller) === 'none' ? 'principal' : 'none';
  return 'none';
}

function named(p: Principal, caller: Caller): 'principal' | 'account' | 'none' {
  if (p === '*') return 'principal';
  let best: 'principal' | 'account' | 'none' = 'none';
  for (const value of p.AWS ?? []) {
    if (value === '*' || value === caller.arn) return 'principal';
    if (value === caller.account || value === `arn:aws:iam::${caller.account}:root`) best = caller.root ? 'principal' : 'account';
  }
  // Service, Federated and CanonicalUser principals are never a user of this registry.
  return best;
}

/** Policy variables: `${aws:username}`, `${aws:PrincipalAccount}`, `${aws:PrincipalArn}`, and `${*}`, `${?}`, `${$}`. */
function variables(request: Request): (value: string) => string {
  const known: Record<string, string | undefined> = {
    'aws:username': usernameOf(request.caller.arn),
    'aws:principalaccount': request.caller.account,
    'aws:principalarn': request.caller.arn,
    '*': '*',
    '?': '?',
    $: '$',
  };
  return (value) => (value.includes('${') ? value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => known[key.toLowerCase()] ?? whole) : value);
}

/** The user name of an IAM user ARN (`arn:aws:iam::1:user/path/ci` → `ci`); undefined for other principals. */
export function usernameOf(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m?.[1];
}
