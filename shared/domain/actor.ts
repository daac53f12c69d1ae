/**
 * Who is calling the domain, whatever the protocol: a principal that authenticated (SigV4 on the ECR API,
 * a registry token on the OCI API), or one of the registry's own jobs (a named service actor). Every domain
 * entry point takes an Actor; `authorize` (./authorize.ts) decides what it may do.
 */
import type { Config } from '../config.ts';

/** How the call reached the registry: what responses and policy conditions need of the request. */
export type Via = {
  requestId: string;
  /** The host (and port) the client used, for repository URIs and the proxy endpoint. */
  host: string;
  sourceIp?: string;
  secureTransport?: boolean;
};

export type Actor = {
  /** 'principal': an authenticated caller; 'service': a job of the registry itself (lifecycle, scanning...). */
  kind: 'principal' | 'service';
  /** The principal's ARN (`arn:aws:iam::<account>:root`, `...:user/ci`), or `service:<name>` for a job. */
  arn: string;
  /** The account the principal belongs to. */
  account: string;
  /** The access key the caller signed with, when it did. */
  accessKeyId?: string;
  /**
   * Set when a signed ECR request carries the replication marker (REPLICATION_HEADER, itself signed): the call is
   * another registry's replication copy, named `<region>/<registryId>`, and the copy's reads and writes are
   * authorized as `ecr:ReplicateImage` (shared/iam/authorizer.ts).
   */
  replicationFrom?: string;
  via: Via;
};

/** The header a registry's replication copy signs into every call it makes to a destination: `<region>/<registryId>` of the source. */
export const REPLICATION_HEADER = 'x-serverless-ecr-replication';

/** The registry account's root: what the registry's own access key stands for. */
export const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

/** A principal that authenticated with `accessKeyId` (the principals directory, shared/iam/principals.ts, says whose it is). */
export function principalActor(principal: { arn: string; account: string }, accessKeyId: string, via: Via): Actor {
  return { kind: 'principal', arn: principal.arn, account: principal.account, accessKeyId, via };
}

/** The registry account's root, as its own access key (REGISTRY_ACCESS_KEY_ID) authenticates it. */
export const rootPrincipal = (config: Config) => ({ arn: rootArn(config.registryId), account: config.registryId });

/** A job of the registry acting on its own behalf (`lifecycle`, `scan`...). */
export function serviceActor(config: Config, name: string, requestId: string): Actor {
  return { kind: 'service', arn: `service:${name}`, account: config.registryId, via: { requestId, host: config.publicHost ?? 'localhost' } };
}
