/** The repositories page: every repository with its image count (active and archived), total size, tag mutability and scan-on-push. */
import { DescribeImagesCommand, DescribeRepositoriesCommand, type Repository } from '@aws-sdk/client-ecr';
import { useState } from 'preact/hooks';
import { allPages, ecr, errorMessage, errorName, limiter } from '../api.ts';
import type { Credentials } from '../session.ts';
import { bytes, repoHref, Section, Show, time, useLoad } from '../ui.tsx';

/** How many images a repository's row counts before it says "at least". */
const COUNTED = 5000;
/** Rows count their images four repositories at a time, not all at once. */
const counting = limiter(4);

/** All repositories (every page of DescribeRepositories), filtered by a search over their names. */
export function Repositories({ credentials }: { credentials: Credentials }) {
  const [search, setSearch] = useState('');
  const loaded = useLoad(
    () =>
      allPages(async (nextToken) => {
        const out = await ecr(credentials).send(new DescribeRepositoriesCommand({ nextToken, maxResults: 100 }));
        return { items: out.repositories ?? [], nextToken: out.nextToken };
      }),
    [credentials],
  );
  return (
    <Section title="Repositories">
      <input
        class="search"
        type="search"
        placeholder="Search repositories"
        aria-label="Search repositories"
        value={search}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <Show loaded={loaded}>
        {({ items }) => {
          const shown = items.filter((r) => r.repositoryName?.toLowerCase().includes(search.toLowerCase()));
          if (!shown.length) return <p class="muted">{items.length ? 'No repository matches.' : 'No repositories yet.'}</p>;
          return (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Images</th>
                  <th>Total size</th>
                  <th>Tag mutability</th>
                  <th>Scan on push</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <RepositoryRow key={r.repositoryArn} credentials={credentials} repository={r} />
                ))}
              </tbody>
            </table>
          );
        }}
      </Show>
    </Section>
  );
}

function RepositoryRow({ credentials, repository: r }: { credentials: Credentials; repository: Repository }) {
  const name = r.repositoryName!;
  const stats = useLoad(
    () =>
      counting(async () => {
        const { items, complete } = await allPages(async (nextToken) => {
          const out = await ecr(credentials).send(
            new DescribeImagesCommand({ repositoryName: name, nextToken, maxResults: 1000, filter: { imageStatus: 'ANY' } }),
          );
          return { items: out.imageDetails ?? [], nextToken: out.nextToken };
        }, COUNTED);
        return { count: items.length, size: items.reduce((n, i) => n + (i.imageSizeInBytes ?? 0), 0), complete };
      }),
    [credentials, name],
  );
  const more = stats.data && !stats.data.complete ? '≥ ' : '';
  return (
    <tr data-repository={name}>
      <td>
        <a href={repoHref(name)}>{name}</a>
      </td>
      <td class="num" title={stats.error ? errorMessage(stats.error) : undefined}>
        {stats.error ? errorName(stats.error) : stats.data ? more + stats.data.count : '…'}
      </td>
      <td class="num">{stats.error ? '–' : stats.data ? more + bytes(stats.data.size) : '…'}</td>
      <td>{r.imageTagMutability}</td>
      <td>{r.imageScanningConfiguration?.scanOnPush ? 'yes' : 'no'}</td>
      <td>{time(r.createdAt)}</td>
    </tr>
  );
}
