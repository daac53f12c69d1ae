/**
 * Lifecycle policy text → rules, validated as Amazon ECR validates it (the user guide's "lifecycle policy
 * properties" and "evaluation rules"), with ECR's wording: schema errors read like ECR's JSON-schema validator,
 * rule errors like its own checks, all wrapped as
 * "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: …'".
 * Beyond ECR (aws/containers-roadmap#2728): countType sinceImagePulled is accepted with action expire.
 */
import { invalidParameter } from '../errors.ts';

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
export type StorageClass = 'standard' | 'archive';
export type ActionType = 'expire' | 'transition';

/** One validated rule. Tag filters are kept as written and compiled to matchers. */
export type Rule = {
  rulePriority: number;
  description?: string;
  tagStatus: TagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  /** The storage class the rule selects from (standard when omitted). */
  storageClass: StorageClass;
  countType: CountType;
  countUnit?: 'days';
  countNumber: number;
  action: ActionType;
  /** Every filter must match at least one of an image's tags. */
  filters: ((tag: string) => boolean)[];
};

/** A validated policy: rules in priority order (lowest number first). */
export type Policy = { rules: Rule[] };

/** ECR's limits: rules per policy, and `*` per tag pattern. */
export const MAX_RULES = 50;
export const MAX_WILDCARDS = 4;
/** Archived images stay at least this many days before a lifecycle rule may expire them. */
export const MIN_ARCHIVE_DAYS = 90;

const TAG_STATUSES = ['any', 'tagged', 'untagged'];
const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePulled', 'sinceImagePushed', 'sinceImageTransitioned'];
const STORAGE_CLASSES = ['archive', 'standard'];
const ACTION_TYPES = ['expire', 'transition'];
const TIME_COUNT_TYPES = new Set(['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']);

const RULE_PROPERTIES = { required: ['action', 'rulePriority', 'selection'], allowed: ['action', 'description', 'rulePriority', 'selection'] };
const SELECTION_PROPERTIES = {
  required: ['countNumber', 'countType', 'tagStatus'],
  allowed: ['countNumber', 'countType', 'countUnit', 'storageClass', 'tagPatternList', 'tagPrefixList', 'tagStatus'],
};
const ACTION_PROPERTIES = { required: ['type'], allowed: ['targetStorageClass', 'type'] };

/** The InvalidParameterException ECR answers for an invalid lifecycle policy. */
export function invalidPolicy(detail: string) {
  return invalidParameter('LifecyclePolicyText', `Lifecycle policy validation failure: ${detail}`);
}

/** Parses and validates policy text; throws InvalidParameterException with ECR's message when it is invalid. */
export function parsePolicy(text: string): Policy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidPolicy('Could not map policyString into LifecyclePolicy.');
  }
  if (!isObject(document)) throw invalidPolicy('Could not map policyString into LifecyclePolicy.');
  checkProperties(document, { required: ['rules'], allowed: ['rules'] });
  const rules = document.rules;
  checkType(rules, 'array');
  if ((rules as unknown[]).length < 1) throw invalidPolicy(`array is too short: must have at least 1 elements but instance has 0 elements`);
  if ((rules as unknown[]).length > MAX_RULES)
    throw invalidPolicy(`array is too long: must have at most ${MAX_RULES} elements but instance has ${(rules as unknown[]).length} elements`);
  const parsed = (rules as unknown[]).map(parseRule);
  checkRuleSet(parsed);
  return { rules: [...parsed].sort((a, b) => a.rulePriority - b.rulePriority) };
}

function parseRule(raw: unknown): Rule {
  checkType(raw, 'object');
  const rule = raw as Record<string, unknown>;
  checkProperties(rule, RULE_PROPERTIES);
  checkType(rule.rulePriority, 'integer');
  checkMinimum(rule.rulePriority as number, 1);
  if (rule.description !== undefined) checkType(rule.description, 'string');
  checkType(rule.selection, 'object');
  checkType(rule.action, 'object');
  const selection = rule.selection as Record<string, unknown>;
  const action = rule.action as Record<string, unknown>;
  checkProperties(selection, SELECTION_PROPERTIES);
  checkEnum(selection.tagStatus, TAG_STATUSES);
  checkEnum(selection.countType, COUNT_TYPES);
  checkType(selection.countNumber, 'integer');
  checkMinimum(selection.countNumber as number, 1);
  for (const list of ['tagPrefixList', 'tagPatternList'] as const) {
    if (selection[list] === undefined) continue;
    checkType(selection[list], 'array');
    const values = selection[list] as unknown[];
    if (values.length < 1) throw invalidPolicy('array is too short: must have at least 1 elements but instance has 0 elements');
    for (const value of values) checkType(value, 'string');
  }
  if (selection.storageClass !== undefined) checkEnum(selection.storageClass, STORAGE_CLASSES);
  checkProperties(action, ACTION_PROPERTIES);
  checkEnum(action.type, ACTION_TYPES);
  if (action.targetStorageClass !== undefined) checkEnum(action.targetStorageClass, ['archive']);
  return checkRule(
    {
      rulePriority: rule.rulePriority as number,
      ...(rule.description !== undefined ? { description: rule.description as string } : {}),
      tagStatus: selection.tagStatus as TagStatus,
      ...(selection.tagPrefixList ? { tagPrefixList: selection.tagPrefixList as string[] } : {}),
      ...(selection.tagPatternList ? { tagPatternList: selection.tagPatternList as string[] } : {}),
      storageClass: (selection.storageClass as StorageClass | undefined) ?? 'standard',
      countType: selection.countType as CountType,
      ...(selection.countUnit !== undefined ? { countUnit: selection.countUnit as 'days' } : {}),
      countNumber: selection.countNumber as number,
      action: action.type as ActionType,
      filters: [],
    },
    selection,
    action,
  );
}

/** The rules of one rule that ECR checks beyond its schema. */
function checkRule(rule: Rule, selection: Record<string, unknown>, action: Record<string, unknown>): Rule {
  const p = `Rule with rulePriority ${rule.rulePriority}`;
  if (rule.tagPrefixList && rule.tagPatternList) throw invalidPolicy(`${p}: a rule may specify either tagPrefixList or tagPatternList, but not both.`);
  if (rule.tagStatus === 'tagged' && !rule.tagPrefixList && !rule.tagPatternList)
    throw invalidPolicy('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.');
  if (rule.tagStatus !== 'tagged' && (rule.tagPrefixList || rule.tagPatternList)) {
    throw invalidPolicy(`${p}: tagPrefixList and tagPatternList may only be used when tagStatus=TAGGED.`);
  }
  for (const pattern of rule.tagPatternList ?? []) {
    if ((pattern.match(/\*/g)?.length ?? 0) > MAX_WILDCARDS)
      throw invalidPolicy(`${p}: the tag pattern '${pattern}' has more than ${MAX_WILDCARDS} wildcards (*).`);
  }
  if (TIME_COUNT_TYPES.has(rule.countType)) {
    if (selection.countUnit === undefined) throw invalidPolicy('object has missing required properties (["countUnit"])');
    checkEnum(selection.countUnit, ['days']);
  } else if (selection.countUnit !== undefined) {
    throw invalidPolicy(`${p}: countUnit can only be specified when countType is sinceImagePushed, sinceImagePulled or sinceImageTransitioned.`);
  }
  if (rule.countType === 'sinceImageTransitioned') {
    if (rule.storageClass !== 'archive') throw invalidPolicy(`${p}: storageClass must be archive when countType=sinceImageTransitioned.`);
    if (rule.action !== 'expire') throw invalidPolicy(`${p}: countType=sinceImageTransitioned can only be used with action type expire.`);
    if (rule.countNumber < MIN_ARCHIVE_DAYS) {
      throw invalidPolicy(
        `${p}: archived images have a minimum storage duration of ${MIN_ARCHIVE_DAYS} days, so countNumber must be at least ${MIN_ARCHIVE_DAYS} when countType=sinceImageTransitioned.`,
      );
    }
  } else if (rule.storageClass === 'archive') {
    throw invalidPolicy(`${p}: storageClass archive can only be used with countType=sinceImageTransitioned.`);
  }
  if (rule.action === 'transition' && action.targetStorageClass === undefined)
    throw invalidPolicy('object has missing required properties (["targetStorageClass"])');
  if (rule.action === 'expire' && action.targetStorageClass !== undefined)
    throw invalidPolicy(`${p}: targetStorageClass can only be specified when action type is transition.`);
  rule.filters = rule.tagPrefixList
    ? rule.tagPrefixList.map((prefix) => (tag: string) => tag.startsWith(prefix))
    : (rule.tagPatternList ?? []).map(patternMatcher);
  return rule;
}

/** The checks that span rules, per storage class: unique priorities, `any` last, one untagged rule, unique tag filters. */
function checkRuleSet(rules: Rule[]) {
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (priorities.has(rule.rulePriority))
      throw invalidPolicy(`Rule priorities must be unique: rulePriority ${rule.rulePriority} is used by more than one rule.`);
    priorities.add(rule.rulePriority);
  }
  for (const storageClass of STORAGE_CLASSES) {
    const inClass = rules.filter((r) => r.storageClass === storageClass);
    const highest = Math.max(...inClass.map((r) => r.rulePriority));
    if (inClass.some((r) => r.tagStatus === 'any' && r.rulePriority !== highest))
      throw invalidPolicy('Rule for tagStatus=ANY must have the lowest priority per storage class');
    if (inClass.filter((r) => r.tagStatus === 'untagged').length > 1) throw invalidPolicy('Only one rule can select Untagged images per storage class');
    const seen = new Map<string, number>();
    for (const rule of inClass.filter((r) => r.tagStatus === 'tagged')) {
      const key = JSON.stringify([rule.tagPrefixList ? 'prefix' : 'pattern', [...new Set(rule.tagPrefixList ?? rule.tagPatternList)].sort()]);
      const other = seen.get(key);
      if (other !== undefined) {
        throw invalidPolicy(
          `The set of all rules selecting storage class ${storageClass} must contain a unique set of tag prefixes and patterns: rules ${other} and ${rule.rulePriority} select the same tags.`,
        );
      }
      seen.set(key, rule.rulePriority);
    }
  }
}

/** A matcher for a tag pattern: `*` matches any run of characters (also none); everything else literally. */
export function patternMatcher(pattern: string): (tag: string) => boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return (tag) => regex.test(tag);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON-schema type name of a value, as ECR's validator reports it. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function checkType(value: unknown, expected: 'object' | 'array' | 'string' | 'integer') {
  const actual = typeName(value);
  if (actual !== expected) throw invalidPolicy(`instance type (${actual}) does not match any allowed primitive type (allowed: ["${expected}"])`);
}

function checkProperties(object: Record<string, unknown>, spec: { required: string[]; allowed: string[] }) {
  const missing = spec.required.filter((p) => object[p] === undefined);
  if (missing.length) throw invalidPolicy(`object has missing required properties (${JSON.stringify(missing)})`);
  const extra = Object.keys(object)
    .filter((p) => !spec.allowed.includes(p))
    .sort();
  if (extra.length) throw invalidPolicy(`object instance has properties which are not allowed by the schema: (${JSON.stringify(extra)})`);
}

function checkEnum(value: unknown, allowed: string[]) {
  if (typeof value !== 'string') checkType(value, 'string');
  if (!allowed.includes(value as string))
    throw invalidPolicy(`instance value (${JSON.stringify(value)}) not found in enum (possible values: ${JSON.stringify(allowed)})`);
}

function checkMinimum(value: number, minimum: number) {
  if (value < minimum) throw invalidPolicy(`numeric instance is lower than the required minimum (minimum: ${minimum}, found: ${value})`);
}
