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
  via: Via;
};

/** The registry account's root: what the registry's own access key stands for. */
export const rootArn = (account: string) => `arn:aws:iam::${account}:root`;

/** The principal an access key of this registry stands for. Today the registry knows one key: its account's root. */
export function principalActor(config: Config, accessKeyId: string, via: Via): Actor {
  return { kind: 'principal', arn: rootArn(config.registryId), account: config.registryId, accessKeyId, via };
}

/** A job of the registry acting on its own behalf (`lifecycle`, `scan`...). */
export function serviceActor(config: Config, name: string, requestId: string): Actor {
  return { kind: 'service', arn: `service:${name}`, account: config.registryId, via: { requestId, host: config.publicHost ?? 'localhost' } };
}
