/** A small raw OCI client over fetch, with the Basic credentials GetAuthorizationToken gives. */
import { createHash } from 'node:crypto';
import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { TestRegistry } from './registry.ts';

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export type Oci = {
  password: string;
  fetch(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  pushBlob(repo: string, bytes: Buffer): Promise<string>;
  pushManifest(repo: string, reference: string, text: string, mediaType?: string): Promise<Response>;
};

/** The registry's password for user AWS, as `aws ecr get-login-password` prints it. */
export async function loginPassword(registry: TestRegistry): Promise<string> {
  const out = await registry.ecr.send(new GetAuthorizationTokenCommand({}));
  return Buffer.from(out.authorizationData![0].authorizationToken!, 'base64').toString('utf8').slice('AWS:'.length);
}

export async function ociClient(registry: TestRegistry): Promise<Oci> {
  const password = await loginPassword(registry);
  const basic = 'Basic ' + Buffer.from(`AWS:${password}`).toString('base64');
  const client: Oci = {
    password,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.auth !== null) headers.set('authorization', init.auth ?? basic);
      return fetch(registry.endpoint + path, { redirect: 'manual', ...init, headers, duplex: 'half' } as RequestInit);
    },
    async pushBlob(repo, bytes) {
      const digest = sha256(bytes);
      const res = await client.fetch(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        body: bytes as unknown as BodyInit,
        headers: { 'content-type': 'application/octet-stream' },
      });
      if (res.status !== 201) throw new Error(`blob push answered ${res.status}: ${await res.text()}`);
      return digest;
    },
    pushManifest(repo, reference, text, mediaType = 'application/vnd.oci.image.manifest.v1+json') {
      return client.fetch(`/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: text, headers: { 'content-type': mediaType } });
    },
  };
  return client;
}

/** The error code of an OCI error response. */
export async function ociCode(res: Response): Promise<string> {
  const body = (await res.json()) as { errors: { code: string }[] };
  return body.errors[0].code;
}
