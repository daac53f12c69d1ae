/**
 * Checks that a repository or registry policy is a resource policy ECR accepts, and refuses the rest as ECR does:
 * InvalidParameterException "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository
 * policy provided'" (or '... registry policy ...'). Accepted: IAM policy JSON the evaluator reads
 * (shared/iam/policy.ts) whose every statement names its principals (Principal or NotPrincipal: `*`, or AWS
 * principals written as ECR takes them, an account id, an account root, IAM user or role ARN, an STS assumed-role
 * ARN, or `*`; or services, `<name>.amazonaws.com`) and whose every action is ECR's (`ecr:` and an operation or one
 * of ECR's permission-only actions, in any case, or a wildcard pattern, or `*`). Under ECR's V2 registry policy
 * scope, the only one there is, a registry policy may name every ECR action, as a repository policy may.
 */
import { invalidParameter } from '../errors.ts';
import { parsePolicy, type Principal, type Statement } from '../iam/policy.ts';
import { isEcrAction } from '../iam/actions.ts';

const ACCOUNT = /^\d{12}$/;
const IAM_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:(root|(user|role)(\/[\w+=,.@-]+)+)$/;
const STS_ARN = /^arn:aws(-[a-z]+)*:sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+$/;
const SERVICE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;

/** Throws InvalidParameterException unless `text` is a repository policy ECR accepts. */
export function validateRepositoryPolicy(text: string): void {
  validateResourcePolicy(text, 'Invalid repository policy provided');
}

/** Throws InvalidParameterException unless `text` is a registry policy ECR accepts. */
export function validateRegistryPolicy(text: string): void {
  validateResourcePolicy(text, 'Invalid registry policy provided');
}

function validateResourcePolicy(text: string, refusal: string): void {
  const invalid = () => invalidParameter('PolicyText', refusal);
  let statements: Statement[];
  try {
    statements = parsePolicy(text).statements;
  } catch {
    throw invalid();
  }
  for (const s of statements) {
    const principal = s.principal ?? s.notPrincipal;
    if (principal === undefined || !principalAccepted(principal)) throw invalid();
    if (!(s.action ?? s.notAction ?? []).every(actionAccepted)) throw invalid();
  }
}

function principalAccepted(principal: Principal): boolean {
  if (principal === '*') return true;
  if (principal.Federated || principal.CanonicalUser) return false;
  if (!principal.AWS && !principal.Service) return false;
  const aws = (principal.AWS ?? []).every((p) => p === '*' || ACCOUNT.test(p) || IAM_ARN.test(p) || STS_ARN.test(p));
  return aws && (principal.Service ?? []).every((p) => SERVICE.test(p));
}

function actionAccepted(action: string): boolean {
  if (action === '*') return true;
  if (!/^ecr:[A-Za-z*?]+$/.test(action)) return false;
  return /[*?]/.test(action) || isEcrAction(action);
}
