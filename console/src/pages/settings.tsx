/**
 * Registry settings, each as the API answers it (or its error): scanning and replication configuration,
 * pull-through cache rules, repository creation templates and signing configuration.
 */
import {
  DescribePullThroughCacheRulesCommand,
  DescribeRegistryCommand,
  DescribeRepositoryCreationTemplatesCommand,
  GetRegistryScanningConfigurationCommand,
  GetSigningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import { allPages, ecr } from '../api.ts';
import type { Credentials } from '../session.ts';
import { Json, Section, Show, time, useLoad } from '../ui.tsx';

/** The registry settings page. */
export function Settings({ credentials }: { credentials: Credentials }) {
  const client = () => ecr(credentials);
  const registry = useLoad(() => client().send(new DescribeRegistryCommand({})), [credentials]);
  const scanning = useLoad(() => client().send(new GetRegistryScanningConfigurationCommand({})), [credentials]);
  const cacheRules = useLoad(
    () =>
      allPages(async (nextToken) => {
        const out = await client().send(new DescribePullThroughCacheRulesCommand({ nextToken }));
        return { items: out.pullThroughCacheRules ?? [], nextToken: out.nextToken };
      }),
    [credentials],
  );
  const templates = useLoad(
    () =>
      allPages(async (nextToken) => {
        const out = await client().send(new DescribeRepositoryCreationTemplatesCommand({ nextToken }));
        return { items: out.repositoryCreationTemplates ?? [], nextToken: out.nextToken };
      }),
    [credentials],
  );
  const signing = useLoad(() => client().send(new GetSigningConfigurationCommand({})), [credentials]);
  return (
    <>
      <h1>Registry settings</h1>
      <Section title="Scanning configuration" id="scanning">
        <Show loaded={scanning}>
          {(s) => (
            <>
              <p>Scan type: {s.scanningConfiguration?.scanType ?? '–'}</p>
              {s.scanningConfiguration?.rules?.length ? (
                <table>
                  <thead>
                    <tr>
                      <th>Frequency</th>
                      <th>Repository filters</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.scanningConfiguration.rules.map((r) => (
                      <tr key={`${r.scanFrequency} ${JSON.stringify(r.repositoryFilters)}`}>
                        <td>{r.scanFrequency}</td>
                        <td>{r.repositoryFilters?.map((f) => `${f.filterType} ${f.filter}`).join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p class="muted">No scanning rules.</p>
              )}
            </>
          )}
        </Show>
      </Section>
      <Section title="Replication configuration" id="replication">
        <Show loaded={registry}>
          {(r) =>
            r.replicationConfiguration?.rules?.length ? (
              <table>
                <thead>
                  <tr>
                    <th>Destinations</th>
                    <th>Repository filters</th>
                  </tr>
                </thead>
                <tbody>
                  {r.replicationConfiguration.rules.map((rule) => (
                    <tr key={JSON.stringify(rule)}>
                      <td>{rule.destinations?.map((d) => `${d.registryId} ${d.region}`).join(', ')}</td>
                      <td>{rule.repositoryFilters?.map((f) => `${f.filterType} ${f.filter}`).join(', ') || 'all repositories'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No replication rules (registry {r.registryId}).</p>
            )
          }
        </Show>
        <p class="muted">Per-image replication status is on each image's page.</p>
      </Section>
      <Section title="Pull-through cache rules" id="pull-through-cache">
        <Show loaded={cacheRules}>
          {({ items }) =>
            items.length ? (
              <table>
                <thead>
                  <tr>
                    <th>Prefix</th>
                    <th>Upstream</th>
                    <th>Upstream prefix</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((r) => (
                    <tr key={r.ecrRepositoryPrefix}>
                      <td>{r.ecrRepositoryPrefix}</td>
                      <td>{r.upstreamRegistryUrl}</td>
                      <td>{r.upstreamRepositoryPrefix ?? '–'}</td>
                      <td>{time(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No pull-through cache rules.</p>
            )
          }
        </Show>
      </Section>
      <Section title="Repository creation templates" id="creation-templates">
        <Show loaded={templates}>
          {({ items }) =>
            items.length ? (
              <table>
                <thead>
                  <tr>
                    <th>Prefix</th>
                    <th>Applied for</th>
                    <th>Tag mutability</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((t) => (
                    <tr key={t.prefix}>
                      <td>{t.prefix}</td>
                      <td>{t.appliedFor?.join(', ')}</td>
                      <td>{t.imageTagMutability}</td>
                      <td>{t.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No repository creation templates.</p>
            )
          }
        </Show>
      </Section>
      <Section title="Signing configuration" id="signing">
        <Show loaded={signing}>{(s) => <Json value={s.signingConfiguration ?? {}} />}</Show>
      </Section>
    </>
  );
}
