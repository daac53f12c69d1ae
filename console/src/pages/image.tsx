/** An image's page: its details, manifest and layers, referrers (signatures, SBOMs), findings, replication and signing status. */
import {
  BatchGetImageCommand,
  DescribeImageReplicationStatusCommand,
  DescribeImageSigningStatusCommand,
  DescribeImagesCommand,
  ListImageReferrersCommand,
} from '@aws-sdk/client-ecr';
import { allPages, ecr } from '../api.ts';
import type { Credentials } from '../session.ts';
import { bytes, Digest, imageHref, Json, repoHref, Section, Show, time, useLoad } from '../ui.tsx';
import { Findings } from './findings.tsx';
import { ScanCell } from './repository.tsx';

type Props = { credentials: Credentials; repositoryName: string; digest: string };
type Descriptor = {
  mediaType?: string;
  digest?: string;
  size?: number;
  artifactType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
};
type Manifest = { mediaType?: string; config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[]; subject?: Descriptor; artifactType?: string };

const MEDIA_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
];

/** The page of one image, by digest. */
export function Image(props: Props) {
  const { credentials, repositoryName, digest } = props;
  const imageId = { imageDigest: digest };
  const detail = useLoad(
    async () => (await ecr(credentials).send(new DescribeImagesCommand({ repositoryName, imageIds: [imageId] }))).imageDetails![0],
    [credentials, repositoryName, digest],
  );
  const manifest = useLoad(async () => {
    const out = await ecr(credentials).send(new BatchGetImageCommand({ repositoryName, imageIds: [imageId], acceptedMediaTypes: MEDIA_TYPES }));
    const image = out.images?.[0];
    if (!image) throw Object.assign(new Error(out.failures?.[0]?.failureReason ?? 'not found'), { name: out.failures?.[0]?.failureCode ?? 'ImageNotFound' });
    return JSON.parse(image.imageManifest ?? '{}') as Manifest;
  }, [credentials, repositoryName, digest]);
  const referrers = useLoad(
    () =>
      allPages(async (nextToken) => {
        const out = await ecr(credentials).send(new ListImageReferrersCommand({ repositoryName, subjectId: imageId, nextToken }));
        return { items: out.referrers ?? [], nextToken: out.nextToken };
      }),
    [credentials, repositoryName, digest],
  );
  const replication = useLoad(
    () => ecr(credentials).send(new DescribeImageReplicationStatusCommand({ repositoryName, imageId })),
    [credentials, repositoryName, digest],
  );
  const signing = useLoad(
    () => ecr(credentials).send(new DescribeImageSigningStatusCommand({ repositoryName, imageId })),
    [credentials, repositoryName, digest],
  );
  return (
    <>
      <p>
        <a href={repoHref(repositoryName)}>← {repositoryName}</a>
      </p>
      <h1>
        <code>{digest}</code>
      </h1>
      <Section title="Details" id="details">
        <Show loaded={detail}>
          {(i) => (
            <dl>
              <dt>Tags</dt>
              <dd>{i.imageTags?.join(', ') || 'untagged'}</dd>
              <dt>Media type</dt>
              <dd>{i.imageManifestMediaType}</dd>
              <dt>Size</dt>
              <dd>{bytes(i.imageSizeInBytes)}</dd>
              <dt>Pushed</dt>
              <dd>{time(i.imagePushedAt)}</dd>
              <dt>Last pulled</dt>
              <dd>{time(i.lastRecordedPullTime)}</dd>
              <dt>Status</dt>
              <dd>{i.imageStatus ?? 'ACTIVE'}</dd>
              <dt>Scan</dt>
              <dd>
                <ScanCell image={i} />
              </dd>
            </dl>
          )}
        </Show>
      </Section>
      <Section title="Layers" id="layers">
        <Show loaded={manifest}>{(m) => <Layers manifest={m} repositoryName={repositoryName} />}</Show>
      </Section>
      <Section title="Referrers" id="referrers">
        <Show loaded={referrers}>
          {({ items }) =>
            items.length ? (
              <table>
                <thead>
                  <tr>
                    <th>Artifact type</th>
                    <th>Digest</th>
                    <th>Size</th>
                    <th>Annotations</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((r) => (
                    <tr key={r.digest}>
                      <td>{r.artifactType ?? r.mediaType}</td>
                      <td>
                        <a href={imageHref(repositoryName, r.digest!)}>
                          <Digest digest={r.digest} />
                        </a>
                      </td>
                      <td class="num">{bytes(r.size)}</td>
                      <td>
                        {Object.entries(r.annotations ?? {})
                          .map(([k, v]) => `${k}=${v}`)
                          .join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No signatures, SBOMs or other referrers.</p>
            )
          }
        </Show>
      </Section>
      <Findings {...props} />
      <Section title="Replication" id="replication">
        <Show loaded={replication}>
          {(r) => (r.replicationStatuses?.length ? <Json value={r.replicationStatuses} /> : <p class="muted">Not replicated.</p>)}
        </Show>
      </Section>
      <Section title="Signing" id="signing">
        <Show loaded={signing}>{(s) => (s.signingStatuses?.length ? <Json value={s.signingStatuses} /> : <p class="muted">No signing status.</p>)}</Show>
      </Section>
      <Section title="Manifest" id="manifest">
        <Show loaded={manifest}>{(m) => <Json value={m} />}</Show>
      </Section>
    </>
  );
}

function Layers({ manifest: m, repositoryName }: { manifest: Manifest; repositoryName: string }) {
  if (m.manifests)
    return (
      <table>
        <thead>
          <tr>
            <th>Platform</th>
            <th>Manifest</th>
            <th>Size</th>
          </tr>
        </thead>
        <tbody>
          {m.manifests.map((d) => (
            <tr key={d.digest}>
              <td>{d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : (d.artifactType ?? '–')}</td>
              <td>
                <a href={imageHref(repositoryName, d.digest!)}>
                  <Digest digest={d.digest} />
                </a>
              </td>
              <td class="num">{bytes(d.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  const rows = [...(m.config ? [{ ...m.config, kind: 'config' }] : []), ...(m.layers ?? []).map((l, i) => ({ ...l, kind: `layer ${i + 1}` }))];
  return (
    <table>
      <thead>
        <tr>
          <th />
          <th>Media type</th>
          <th>Digest</th>
          <th>Size</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.kind} data-layer={d.digest}>
            <td>{d.kind}</td>
            <td>{d.mediaType}</td>
            <td>
              <Digest digest={d.digest} />
            </td>
            <td class="num">{bytes(d.size)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
