/** The pure parts of the pull through cache: upstream URLs (shared/pull-through/upstreams.ts) and auth challenges (client.ts). */
import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../shared/pull-through/client.ts';
import { resolveUpstream, upstreamRepositoryOf } from '../../shared/pull-through/upstreams.ts';

describe('resolveUpstream', () => {
  it("takes ECR's registries by their hosts, inferring the kind when it is not named", () => {
    expect(resolveUpstream('registry-1.docker.io', 'docker-hub')).toEqual({
      baseUrl: 'https://registry-1.docker.io',
      upstreamRegistry: 'docker-hub',
      credential: 'required',
    });
    expect(resolveUpstream('public.ecr.aws', undefined)).toMatchObject({ upstreamRegistry: 'ecr-public', credential: 'none' });
    expect(resolveUpstream('myreg.azurecr.io', undefined)).toMatchObject({ upstreamRegistry: 'azure-container-registry' });
    expect(resolveUpstream('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr')).toMatchObject({ upstreamRegistry: 'ecr' });
  });

  it('takes any other registry over https, and http only on loopback', () => {
    expect(resolveUpstream('https://harbor.example.com:8443', undefined)).toEqual({ baseUrl: 'https://harbor.example.com:8443', credential: 'optional' });
    expect(resolveUpstream('http://127.0.0.1:5000', undefined).baseUrl).toBe('http://127.0.0.1:5000');
    expect(resolveUpstream('http://localhost:5000/', undefined).baseUrl).toBe('http://localhost:5000');
    expect(() => resolveUpstream('http://10.0.0.1:5000', undefined)).toThrow(expect.objectContaining({ name: 'UnsupportedUpstreamRegistryException' }));
    expect(() => resolveUpstream('ftp://example.com', undefined)).toThrow(expect.objectContaining({ name: 'UnsupportedUpstreamRegistryException' }));
  });

  it('refuses a URL that is not the named registry, or that carries a path or credentials', () => {
    for (const [url, kind] of [
      ['quay.io', 'docker-hub'],
      ['https://registry-1.docker.io:444', 'docker-hub'],
      ['https://example.com/v2/', undefined],
      ['https://u:p@example.com', undefined],
    ] as const) {
      expect(() => resolveUpstream(url, kind), url).toThrow(expect.objectContaining({ name: 'InvalidParameterException' }));
    }
  });
});

describe('upstreamRepositoryOf', () => {
  it("replaces the rule's prefix by the upstream prefix, ROOT standing for none", () => {
    expect(upstreamRepositoryOf('docker-hub', 'ROOT', 'docker-hub/library/alpine')).toBe('library/alpine');
    expect(upstreamRepositoryOf('hub', 'library/', 'hub/alpine')).toBe('library/alpine');
    expect(upstreamRepositoryOf('ROOT', 'prod', 'team/app')).toBe('prod/team/app');
  });
});

describe('parseChallenge', () => {
  it("reads distribution's bearer challenge with its realm, service and scope", () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/alpine:pull',
    });
  });

  it('reads a Basic challenge, and nothing it cannot answer', () => {
    expect(parseChallenge('Basic realm="registry"')).toEqual({ scheme: 'basic' });
    expect(parseChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });
});
