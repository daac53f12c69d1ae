/**
 * The narrow storage interface of pull through cache rules, and of what a cached repository remembers about its
 * upstream: one item per rule in the registry's partition, keyed by the rule's ecrRepositoryPrefix without its
 * assumed trailing `/`, and one item per cached tag in the repository's contents partition (when upstream was last
 * asked where the tag points), and the import leases that make concurrent first pulls fetch once.
 * The DynamoDB adapter is shared/store/dynamo/pull-through.ts, the in-memory one shared/store/memory/pull-through.ts.
 * Invariants: RULE_IS_NEW (one rule per prefix), RULE_UNCHANGED_SINCE_READ (an update replaces the version it
 * read), LEASE_IS_FREE (one importer of a reference at a time, until its lease expires).
 */
import type { UpstreamRegistry } from '../model/types.ts';
import type { Page } from './types.ts';

/** A pull through cache rule as stored. Times are epoch milliseconds. */
export type PullThroughRuleRecord = {
  /** The prefix as given (`ROOT`, or a namespace such as `docker-hub` or `docker-hub/`). */
  ecrRepositoryPrefix: string;
  /** The upstream as given (a host, or, beyond ECR, an https:// URL; http:// for loopback hosts). */
  upstreamRegistryUrl: string;
  upstreamRegistry?: UpstreamRegistry;
  credentialArn?: string;
  customRoleArn?: string;
  /** The upstream namespace the prefix stands for; ROOT: the upstream's top level. */
  upstreamRepositoryPrefix: string;
  createdAt: number;
  updatedAt: number;
  /** Grows with every update (RULE_UNCHANGED_SINCE_READ). */
  version: number;
};

/** When upstream was last asked where a cached tag points, and what it said. */
export type UpstreamTagCheck = { tag: string; digest: string; checkedAt: number };

export interface PullThroughStore {
  /** Stores a new rule; false when its prefix has one already (RULE_IS_NEW). */
  create(rule: PullThroughRuleRecord): Promise<boolean>;
  /** The rule of a prefix (with or without its trailing `/`), if any. */
  get(prefix: string): Promise<PullThroughRuleRecord | undefined>;
  /** The rules of those prefixes that have one, in one read, in no particular order. */
  getMany(prefixes: string[]): Promise<PullThroughRuleRecord[]>;
  /** Replaces a rule if it is still at `version` (RULE_UNCHANGED_SINCE_READ); false when it changed or is gone. */
  replace(rule: PullThroughRuleRecord, version: number): Promise<boolean>;
  /** Removes a rule; what it was, or undefined when there was none. */
  delete(prefix: string): Promise<PullThroughRuleRecord | undefined>;
  /** One page of rules in prefix order. */
  list(limit: number, cursor?: Record<string, any>): Promise<Page<PullThroughRuleRecord>>;
  /** How many rules the registry holds. */
  count(): Promise<number>;
  /** When upstream was last asked about a cached tag, if ever. */
  getTagCheck(uid: string, tag: string): Promise<UpstreamTagCheck | undefined>;
  /** Records an answer of upstream about a tag (last writer wins: every writer writes what upstream said). */
  putTagCheck(uid: string, check: UpstreamTagCheck): Promise<void>;
  /** Takes the import lease of `reference` for `owner` until `until`, if it is free or expired at `now` (LEASE_IS_FREE). */
  claimImport(uid: string, reference: string, owner: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease back if `owner` still holds it. */
  releaseImport(uid: string, reference: string, owner: string): Promise<void>;
}

/** The key form of a prefix: without the trailing `/` ECR assumes, so `docker-hub` and `docker-hub/` are one rule. */
export const ruleKeyOf = (prefix: string) => (prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
