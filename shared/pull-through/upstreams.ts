/**
 * The upstream registries a pull through cache rule may name: ECR's list (the model's UpstreamRegistry enum), each
 * with the URL form ECR accepts and whether it needs a credential, and, beyond ECR, any OCI registry over https
 * (plain http only for loopback hosts). Pure: no I/O.
 */
import { isLoopbackHost } from '../config.ts';
import { invalidParameter, UnsupportedUpstreamRegistryException } from '../errors.ts';
import type { UpstreamRegistry } from '../model/types.ts';

type Credential = 'required' | 'optional' | 'none';
type Known = { host: RegExp; credential: Credential };

/** ECR's upstream registries: the host each must have, and whether a credential is required, allowed or refused. */
export const UPSTREAM_REGISTRIES: Readonly<Record<UpstreamRegistry, Known>> = {
  ecr: { host: /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/, credential: 'none' },
  'ecr-public': { host: /^public\.ecr\.aws$/, credential: 'none' },
  quay: { host: /^quay\.io$/, credential: 'optional' },
  k8s: { host: /^registry\.k8s\.io$/, credential: 'none' },
  'docker-hub': { host: /^registry-1\.docker\.io$/, credential: 'required' },
  'github-container-registry': { host: /^ghcr\.io$/, credential: 'required' },
  'azure-container-registry': { host: /^[a-z0-9]+\.azurecr\.io$/, credential: 'required' },
  'gitlab-container-registry': { host: /^registry\.gitlab\.com$/, credential: 'required' },
  chainguard: { host: /^cgr\.dev$/, credential: 'optional' },
};

/** Where a rule's upstream is: its base URL (`https://host[:port]`, no path) and its kind, when ECR knows it. */
export type ResolvedUpstream = { baseUrl: string; upstreamRegistry?: UpstreamRegistry; credential: Credential };

/**
 * The upstream a rule's upstreamRegistryUrl (a host, or an https:// URL; http:// for a loopback host) and
 * upstreamRegistry name: InvalidParameterException when the URL is malformed or not the named registry's,
 * UnsupportedUpstreamRegistryException for plain http to a host that is not loopback.
 */
export function resolveUpstream(url: string, named: UpstreamRegistry | undefined): ResolvedUpstream {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw invalidParameter('upstreamRegistryUrl', `'${url}' is not a registry host or URL`);
  }
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw invalidParameter('upstreamRegistryUrl', 'must name a registry host (and port), without path, query or credentials');
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.host)) {
    throw new UnsupportedUpstreamRegistryException(`The upstream registry '${url}' is not supported: plain http is accepted only for loopback hosts`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UnsupportedUpstreamRegistryException(`The upstream registry '${url}' is not supported: only https (or http for loopback hosts) registries are`);
  }
  const baseUrl = `${parsed.protocol}//${parsed.host}`;
  const host = parsed.port ? undefined : parsed.hostname;
  if (named !== undefined) {
    const known = UPSTREAM_REGISTRIES[named];
    if (!host || parsed.protocol !== 'https:' || !known.host.test(host)) {
      throw invalidParameter('upstreamRegistryUrl', `'${url}' is not a registry URL of the upstream registry ${named}`);
    }
    return { baseUrl, upstreamRegistry: named, credential: known.credential };
  }
  const inferred =
    host && parsed.protocol === 'https:'
      ? (Object.keys(UPSTREAM_REGISTRIES) as UpstreamRegistry[]).find((k) => UPSTREAM_REGISTRIES[k].host.test(host))
      : undefined;
  // Any other OCI registry (beyond ECR): a credential is optional.
  return inferred ? { baseUrl, upstreamRegistry: inferred, credential: UPSTREAM_REGISTRIES[inferred].credential } : { baseUrl, credential: 'optional' };
}

/** The upstream repository a cached repository's name stands for under a rule (its prefix replaced by upstreamRepositoryPrefix). */
export function upstreamRepositoryOf(ruleKey: string, upstreamRepositoryPrefix: string, repositoryName: string): string {
  const path = ruleKey === 'ROOT' ? repositoryName : repositoryName.slice(ruleKey.length + 1);
  const upstreamKey = upstreamRepositoryPrefix.endsWith('/') ? upstreamRepositoryPrefix.slice(0, -1) : upstreamRepositoryPrefix;
  return upstreamKey === 'ROOT' ? path : `${upstreamKey}/${path}`;
}
