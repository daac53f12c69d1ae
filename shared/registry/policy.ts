/**
 * Checks that a repository or registry policy is IAM policy JSON of the shape ECR accepts: a Statement
 * (one or a list) whose entries have an Effect of Allow or Deny, an Action or NotAction with ecr:
 * actions, and (for resource policies) a Principal or NotPrincipal. Enforcement comes with policy evaluation.
 */
import { invalidParameter } from '../errors.ts';

const invalid = () => invalidParameter('PolicyText', 'Invalid repository policy provided');

/** Throws InvalidParameterException unless `text` is a valid repository policy. */
export function validateRepositoryPolicy(text: string): void {
  let policy: any;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid();
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw invalid();
  if (policy.Version !== undefined && !['2012-10-17', '2008-10-17'].includes(policy.Version)) throw invalid();
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  if (statements.length === 0) throw invalid();
  for (const s of statements) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw invalid();
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw invalid();
    if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) throw invalid();
    const actions = s.Action ?? s.NotAction;
    if (actions === undefined || (s.Action !== undefined && s.NotAction !== undefined)) throw invalid();
    for (const a of Array.isArray(actions) ? actions : [actions]) {
      if (typeof a !== 'string' || !(a === '*' || /^ecr:[A-Za-z*?]+$/.test(a))) throw invalid();
    }
    if (s.Condition !== undefined && (typeof s.Condition !== 'object' || s.Condition === null)) throw invalid();
  }
}
