/** A repository's page: its settings, its images a page at a time (with delete), and its lifecycle policy. */
import { BatchDeleteImageCommand, DescribeImagesCommand, DescribeRepositoriesCommand, type ImageDetail, type ImageStatusFilter } from '@aws-sdk/client-ecr';
import { useState } from 'preact/hooks';
import { ecr } from '../api.ts';
import type { Credentials } from '../session.ts';
import { bytes, Digest, ErrorBox, imageHref, Section, Show, time, useLoad } from '../ui.tsx';
import { Lifecycle } from './lifecycle.tsx';

type Props = { credentials: Credentials; repositoryName: string; perPage: number };

/** The page of one repository. */
export function Repository({ credentials, repositoryName, perPage }: Props) {
  const repo = useLoad(
    async () => (await ecr(credentials).send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }))).repositories![0],
    [credentials, repositoryName],
  );
  return (
    <>
      <h1>{repositoryName}</h1>
      <Section title="Settings" id="settings">
        <Show loaded={repo}>
          {(r) => (
            <dl>
              <dt>URI</dt>
              <dd>
                <code>{r.repositoryUri}</code>
              </dd>
              <dt>Tag mutability</dt>
              <dd>{r.imageTagMutability}</dd>
              <dt>Tag mutability exclusions</dt>
              <dd>
                {r.imageTagMutabilityExclusionFilters?.length
                  ? r.imageTagMutabilityExclusionFilters.map((f) => `${f.filterType} ${f.filter}`).join(', ')
                  : 'none'}
              </dd>
              <dt>Scan on push</dt>
              <dd>{r.imageScanningConfiguration?.scanOnPush ? 'yes' : 'no'}</dd>
              <dt>Encryption</dt>
              <dd>{r.encryptionConfiguration?.encryptionType ?? '–'}</dd>
              <dt>Created</dt>
              <dd>{time(r.createdAt)}</dd>
            </dl>
          )}
        </Show>
      </Section>
      <Images credentials={credentials} repositoryName={repositoryName} perPage={perPage} />
      <Lifecycle credentials={credentials} repositoryName={repositoryName} />
    </>
  );
}

/** The images (all, active or archived), `perPage` at a time, with the tokens of earlier pages kept for "Previous". */
function Images({ credentials, repositoryName, perPage }: Props) {
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [status, setStatus] = useState<ImageStatusFilter>('ANY');
  const [deleted, setDeleted] = useState<{ error?: unknown; message?: string }>();
  const token = tokens[tokens.length - 1];
  const page = useLoad(
    () => ecr(credentials).send(new DescribeImagesCommand({ repositoryName, maxResults: perPage, nextToken: token, filter: { imageStatus: status } })),
    [credentials, repositoryName, perPage, token, status],
  );
  const remove = async (image: ImageDetail) => {
    if (!window.confirm(`Delete image ${image.imageDigest} (${image.imageTags?.join(', ') || 'untagged'})?`)) return;
    try {
      const out = await ecr(credentials).send(new BatchDeleteImageCommand({ repositoryName, imageIds: [{ imageDigest: image.imageDigest }] }));
      const failure = out.failures?.[0];
      setDeleted(failure ? { message: `${failure.failureCode}: ${failure.failureReason}` } : { message: `Deleted ${image.imageDigest}.` });
      page.reload();
    } catch (error) {
      setDeleted({ error });
    }
  };
  return (
    <Section title="Images" id="images">
      {deleted?.error !== undefined && <ErrorBox error={deleted.error} />}
      {deleted?.message && <p class="notice">{deleted.message}</p>}
      <label class="filter">
        Show{' '}
        <select
          name="imageStatus"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value as ImageStatusFilter);
            setTokens([undefined]);
          }}
        >
          <option value="ANY">all images</option>
          <option value="ACTIVE">active images</option>
          <option value="ARCHIVED">archived images</option>
        </select>
      </label>
      <Show loaded={page}>
        {(out) => (
          <>
            {out.imageDetails?.length ? (
              <table>
                <thead>
                  <tr>
                    <th>Tags</th>
                    <th>Digest</th>
                    <th>Size</th>
                    <th>Pushed</th>
                    <th>Last pulled</th>
                    <th>Status</th>
                    <th>Scan</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {newestFirst(out.imageDetails).map((i) => (
                    <tr key={i.imageDigest} data-digest={i.imageDigest}>
                      <td>{i.imageTags?.length ? i.imageTags.join(', ') : <span class="muted">untagged</span>}</td>
                      <td>
                        <a href={imageHref(repositoryName, i.imageDigest!)}>
                          <Digest digest={i.imageDigest} />
                        </a>
                      </td>
                      <td class="num">{bytes(i.imageSizeInBytes)}</td>
                      <td>{time(i.imagePushedAt)}</td>
                      <td>{time(i.lastRecordedPullTime)}</td>
                      <td>
                        {i.imageStatus ?? 'ACTIVE'}
                        {i.lastArchivedAt ? ` (archived ${time(i.lastArchivedAt)})` : ''}
                      </td>
                      <td>
                        <ScanCell image={i} />
                      </td>
                      <td>
                        <button type="button" class="danger" onClick={() => remove(i)}>
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No images.</p>
            )}
            <div class="pager">
              <button type="button" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
                Previous
              </button>
              <span>Page {tokens.length}</span>
              <button type="button" disabled={!out.nextToken} onClick={() => setTokens([...tokens, out.nextToken])}>
                Next
              </button>
            </div>
          </>
        )}
      </Show>
    </Section>
  );
}

/** A page's images, the last pushed first (DescribeImages promises no order). */
const newestFirst = (images: ImageDetail[]) => [...images].sort((a, b) => (b.imagePushedAt?.getTime() ?? 0) - (a.imagePushedAt?.getTime() ?? 0));

/** An image's scan status and its findings by severity. */
export function ScanCell({ image }: { image: ImageDetail }) {
  const status = image.imageScanStatus?.status;
  if (!status) return <span class="muted">not scanned</span>;
  const counts = image.imageScanFindingsSummary?.findingSeverityCounts ?? {};
  return (
    <>
      {status}
      {Object.entries(counts).map(([severity, n]) => (
        <span key={severity} class={`sev sev-${severity.toLowerCase()}`}>
          {severity} {n}
        </span>
      ))}
    </>
  );
}
