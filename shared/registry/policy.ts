/**
 * Checks that a repository or registry policy is IAM policy JSON of the shape ECR accepts: a Statement
 * (one or a list) whose entries have an Effect of Allow or Deny, an Action or NotAction with ecr:
 * actions, and (for resource policies) a Principal or NotPrincipal. Enforcement comes with policy evaluation.
 */
import { InvalidParameterException } from '../errors.ts';

const INVALID = "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'";

/** Throws InvalidParameterException unless `text` is a valid repository policy. */
export function validateRepositoryPolicy(text: string): void {
  let policy: any;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new InvalidParameterException(INVALID);
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw new InvalidParameterException(INVALID);
  if (policy.Version !== undefined && !['2012-10-17', '2008-10-17'].includes(policy.Version)) throw new InvalidParameterException(INVALID);
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  if (statements.length === 0) throw new InvalidParameterException(INVALID);
  for (const s of statements) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new InvalidParameterException(INVALID);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new InvalidParameterException(INVALID);
    if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) throw new InvalidParameterException(INVALID);
    const actions = s.Action ?? s.NotAction;
    if (actions === undefined || (s.Action !== undefined && s.NotAction !== undefined)) throw new InvalidParameterException(INVALID);
    for (const a of Array.isArray(actions) ? actions : [actions]) {
      if (typeof a !== 'string' || !(a === '*' || /^ecr:[A-Za-z*?]+$/.test(a))) throw new InvalidParameterException(INVALID);
    }
    if (s.Condition !== undefined && (typeof s.Condition !== 'object' || s.Condition === null)) throw new InvalidParameterException(INVALID);
  }
}
