/**
 * The narrow storage interface of repository creation templates: one item per template (its policies may be 40 KB
 * together, so templates cannot share one item), keyed by the template's prefix without its assumed trailing `/`.
 * The DynamoDB adapter is shared/store/dynamo/templates.ts, the in-memory one shared/store/memory/templates.ts.
 * Invariants: TEMPLATE_IS_NEW (one template per prefix), TEMPLATE_UNCHANGED_SINCE_READ (an update replaces the
 * version it read, so two concurrent updates never lose one another's members).
 */
import type { RCTAppliedFor } from '../model/types.ts';
import type { ExclusionFilter, Page, ResourceTag } from './types.ts';
import type { EncryptionType, ImageTagMutability } from '../model/types.ts';

/** A repository creation template as stored. Times are epoch milliseconds. */
export type CreationTemplateRecord = {
  /** The prefix as given (`ROOT`, or a namespace such as `team-a` or `team-a/`). */
  prefix: string;
  description?: string;
  encryptionConfiguration?: { encryptionType: EncryptionType; kmsKey?: string };
  resourceTags: ResourceTag[];
  imageTagMutability: ImageTagMutability;
  imageTagMutabilityExclusionFilters?: ExclusionFilter[];
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  appliedFor: RCTAppliedFor[];
  customRoleArn?: string;
  createdAt: number;
  updatedAt: number;
  /** Grows with every update (TEMPLATE_UNCHANGED_SINCE_READ). */
  version: number;
};

/** What a replace did: replaced, refused because another writer changed the template since it was read, or it is gone. */
export type ReplaceTemplateResult = 'replaced' | 'changed' | 'missing';

export interface CreationTemplateStore {
  /** Stores a new template; false when its prefix has one already (TEMPLATE_IS_NEW). */
  create(template: CreationTemplateRecord): Promise<boolean>;
  /** The template of a prefix (with or without its trailing `/`), if any. */
  get(prefix: string): Promise<CreationTemplateRecord | undefined>;
  /** The templates of those prefixes that have one, in one read, in no particular order. */
  getMany(prefixes: string[]): Promise<CreationTemplateRecord[]>;
  /** Replaces a template if it is still at `version` (TEMPLATE_UNCHANGED_SINCE_READ); the stored one gets version + 1. */
  replace(template: CreationTemplateRecord, version: number): Promise<ReplaceTemplateResult>;
  /** Removes a template; what it was, or undefined when there was none. */
  delete(prefix: string): Promise<CreationTemplateRecord | undefined>;
  /** One page of templates in prefix order. */
  list(limit: number, cursor?: Record<string, any>): Promise<Page<CreationTemplateRecord>>;
  /** How many templates the registry holds. */
  count(): Promise<number>;
}

/** The key form of a prefix: without the trailing `/` ECR assumes, so `team-a` and `team-a/` are one template. */
export const templateKeyOf = (prefix: string) => (prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
