/**
 * skopeo with a pull-only principal, end to end: a principals file gives a key AWS's managed
 * AmazonEC2ContainerRegistryPullOnly policy; its GetAuthorizationToken (through the SDK) lets skopeo pull an image
 * to a local directory, and skopeo's push with the same token is refused with the OCI error code DENIED.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, GetAuthorizationTokenCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observe, type RequestRecord } from '../../shared/observe/requests.ts';
import { writeImage, writeIndex } from '../helpers/oci-layout.ts';
import { ecrClient, startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';

const ACCOUNT = '123456789012';
const PULLER = { accessKeyId: 'AKIAPULLER000000001', secretAccessKey: 'puller-secret-000000000' };
const tls = PLAIN_HTTP;

let registry: TestRegistry;
let puller: ECRClient;
let work: string;
let host: string;
/** `AWS:<password>`, as skopeo's --src-creds / --dest-creds take it, from a GetAuthorizationToken answer. */
const credsOf = async (client: ECRClient) =>
  Buffer.from((await client.send(new GetAuthorizationTokenCommand({}))).authorizationData![0].authorizationToken!, 'base64').toString('utf8');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'skopeo-iam-'));
  const file = join(work, 'principals.json');
  writeFileSync(
    file,
    JSON.stringify({
      principals: [
        { arn: `arn:aws:iam::${ACCOUNT}:user/puller`, accessKeys: [PULLER], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly'] },
      ],
    }),
  );
  registry = await startTestRegistry(undefined, { REGISTRY_IAM_FILE: file, REGISTRY_ID: ACCOUNT, LOG_LEVEL: 'silent' });
  host = new URL(registry.endpoint).host;
  puller = ecrClient(registry.endpoint, PULLER);
  await registry.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  // The registry account's root pushes the image the pull-only principal then pulls.
  const src = join(work, 'src');
  writeIndex(src, [{ tag: 'v1', manifest: writeImage(src, [1 << 20, 4096]).manifest }]);
  await skopeo('copy', ...tls, '--dest-creds', await credsOf(registry.ecr), `oci:${src}:v1`, `docker://${host}/team/app:v1`);
});
afterAll(async () => {
  puller?.destroy();
  await registry?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('skopeo with a pull-only principal', () => {
  it('pulls an image to a local directory with the token its GetAuthorizationToken gave', async () => {
    const dest = join(work, 'pulled');

    await skopeo('copy', ...tls, '--src-creds', await credsOf(puller), `docker://${host}/team/app:v1`, `dir:${dest}`);

    expect(JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8')).layers).toHaveLength(2);
  });

  it('is refused a push with that token: skopeo fails on the 403 the registry answers with DENIED, in AWS wording', async () => {
    const src = join(work, 'src2');
    writeIndex(src, [{ tag: 'v2', manifest: writeImage(src, [2048]).manifest }]);
    const creds = await credsOf(puller);
    const answers: RequestRecord[] = [];
    const stop = observe({ request: (r) => void (r.protocol === 'oci' && answers.push(r)) });

    const failed = await skopeo('copy', ...tls, '--dest-creds', creds, `oci:${src}:v2`, `docker://${host}/team/app:v2`)
      .then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      )
      .finally(stop);
    // What a client that goes on to upload (docker, after a HEAD it takes for "absent") hears next.
    const upload = await fetch(`${registry.endpoint}/v2/team/app/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });

    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/failed to read from destination repository team\/app: 403 \(Forbidden\)/);
    // A HEAD's refusal carries no body: its code shows on the POST below, the request skopeo would make next.
    expect(answers.map((a) => [a.route, a.status])).toContainEqual(['HEAD /v2/<name>/blobs/<digest>', 403]);
    expect(answers.some((a) => a.status === 201 || a.status === 202)).toBe(false);
    expect(upload.status).toBe(403);
    expect(await upload.json()).toEqual({
      errors: [
        {
          code: 'DENIED',
          message: `User: arn:aws:iam::${ACCOUNT}:user/puller is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team/app because no identity-based policy allows the ecr:InitiateLayerUpload action`,
          detail: null,
        },
      ],
    });
  });
});
