/** An image's scan findings, by severity, each linked to its advisory; a button starts a scan. */
import { DescribeImageScanFindingsCommand, StartImageScanCommand, type ImageScanFinding } from '@aws-sdk/client-ecr';
import { useState } from 'preact/hooks';
import { allPages, ecr, errorName } from '../api.ts';
import type { Credentials } from '../session.ts';
import { ErrorBox, Section, Show, time, useLoad } from '../ui.tsx';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
const attribute = (f: ImageScanFinding, key: string) => f.attributes?.find((a) => a.key === key)?.value;

/** Every page of DescribeImageScanFindings for the image (or "not scanned"), grouped by severity. */
export function Findings({ credentials, repositoryName, digest }: { credentials: Credentials; repositoryName: string; digest: string }) {
  const [scan, setScan] = useState<{ error?: unknown; started?: boolean }>();
  const findings = useLoad(async () => {
    try {
      let head: { status?: string; description?: string; completedAt?: Date; counts?: Record<string, number> } = {};
      const { items } = await allPages(async (nextToken) => {
        const out = await ecr(credentials).send(
          new DescribeImageScanFindingsCommand({ repositoryName, imageId: { imageDigest: digest }, nextToken, maxResults: 1000 }),
        );
        head = {
          status: out.imageScanStatus?.status,
          description: out.imageScanStatus?.description,
          completedAt: out.imageScanFindings?.imageScanCompletedAt,
          counts: out.imageScanFindings?.findingSeverityCounts,
        };
        return { items: out.imageScanFindings?.findings ?? [], nextToken: out.nextToken };
      });
      return { ...head, items };
    } catch (e) {
      if (errorName(e) === 'ScanNotFoundException') return { status: undefined, items: [] as ImageScanFinding[] };
      throw e;
    }
  }, [credentials, repositoryName, digest]);
  const start = async () => {
    try {
      await ecr(credentials).send(new StartImageScanCommand({ repositoryName, imageId: { imageDigest: digest } }));
      setScan({ started: true });
      findings.reload();
    } catch (error) {
      setScan({ error });
    }
  };
  return (
    <Section title="Findings" id="findings">
      <button type="button" onClick={start}>
        Scan
      </button>
      {scan?.error !== undefined && <ErrorBox error={scan.error} />}
      {scan?.started && (
        <button type="button" onClick={findings.reload}>
          Refresh
        </button>
      )}
      <Show loaded={findings}>
        {(f) => {
          if (!f.status) return <p class="muted">Not scanned.</p>;
          return (
            <>
              <p data-scan-status={f.status}>
                {f.status}: {f.description} {f.completedAt ? `(completed ${time(f.completedAt)})` : ''}
              </p>
              <p>
                {Object.entries(f.counts ?? {}).map(([severity, n]) => (
                  <span key={severity} class={`sev sev-${severity.toLowerCase()}`}>
                    {severity} {n}
                  </span>
                ))}
              </p>
              {SEVERITIES.filter((s) => f.items.some((i) => i.severity === s)).map((severity) => (
                <div key={severity} class="severity" data-severity={severity}>
                  <h3>{severity}</h3>
                  <table>
                    <thead>
                      <tr>
                        <th>Vulnerability</th>
                        <th>Package</th>
                        <th>Version</th>
                        <th>Description</th>
                      </tr>
                    </thead>
                    <tbody>
                      {f.items
                        .filter((i) => i.severity === severity)
                        .map((i) => (
                          <tr key={`${i.name} ${attribute(i, 'package_name')}`}>
                            <td>
                              {i.uri ? (
                                <a href={i.uri} target="_blank" rel="noreferrer">
                                  {i.name}
                                </a>
                              ) : (
                                i.name
                              )}
                            </td>
                            <td>{attribute(i, 'package_name')}</td>
                            <td>{attribute(i, 'package_version')}</td>
                            <td>{i.description}</td>
                          </tr>
                        ))}
                    </tbody>
                  </table>
                </div>
              ))}
            </>
          );
        }}
      </Show>
    </Section>
  );
}
