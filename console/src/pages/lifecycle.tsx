/**
 * A repository's lifecycle policy, and its preview: StartLifecyclePolicyPreview, then GetLifecyclePolicyPreview
 * until it leaves IN_PROGRESS, rendered rule by rule (what each rule would expire or transition).
 */
import {
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  StartLifecyclePolicyPreviewCommand,
  type GetLifecyclePolicyPreviewCommandOutput,
  type LifecyclePolicyPreviewResult,
} from '@aws-sdk/client-ecr';
import { useState } from 'preact/hooks';
import { allPages, ecr, errorName } from '../api.ts';
import type { Credentials } from '../session.ts';
import { Digest, ErrorBox, Json, Section, Show, time, useLoad } from '../ui.tsx';

type Rule = { rulePriority: number; description?: string };
type Preview = { status?: string; results: LifecyclePolicyPreviewResult[]; summary?: GetLifecyclePolicyPreviewCommandOutput['summary'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The policy (or "none"), a Preview button, and the preview's results by rule. */
export function Lifecycle({ credentials, repositoryName }: { credentials: Credentials; repositoryName: string }) {
  const policy = useLoad(async () => {
    try {
      const out = await ecr(credentials).send(new GetLifecyclePolicyCommand({ repositoryName }));
      return { text: out.lifecyclePolicyText ?? '' };
    } catch (e) {
      if (errorName(e) === 'LifecyclePolicyNotFoundException') return { text: undefined };
      throw e;
    }
  }, [credentials, repositoryName]);
  const [preview, setPreview] = useState<{ running: boolean; error?: unknown; result?: Preview }>();
  const run = async () => {
    setPreview({ running: true });
    try {
      const client = ecr(credentials);
      await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName }));
      for (let i = 0; ; i++) {
        const first = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 100 }));
        if (first.status !== 'IN_PROGRESS' || i >= 120) {
          const { items } = await allPages(async (nextToken) => {
            const out = nextToken ? await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 100, nextToken })) : first;
            return { items: out.previewResults ?? [], nextToken: out.nextToken };
          });
          return setPreview({ running: false, result: { status: first.status, results: items, summary: first.summary } });
        }
        await sleep(500);
      }
    } catch (error) {
      setPreview({ running: false, error });
    }
  };
  return (
    <Section title="Lifecycle policy" id="lifecycle">
      <Show loaded={policy}>
        {({ text }) => {
          if (text === undefined) return <p class="muted">No lifecycle policy.</p>;
          const rules = parseRules(text);
          return (
            <>
              <Json value={safeParse(text)} />
              <button type="button" onClick={run} disabled={preview?.running}>
                {preview?.running ? 'Previewing…' : 'Preview'}
              </button>
              {preview?.error !== undefined && <ErrorBox error={preview.error} />}
              {preview?.result && <PreviewResults preview={preview.result} rules={rules} />}
            </>
          );
        }}
      </Show>
    </Section>
  );
}

function PreviewResults({ preview, rules }: { preview: Preview; rules: Rule[] }) {
  const byRule = new Map<number, LifecyclePolicyPreviewResult[]>();
  for (const r of preview.results) byRule.set(r.appliedRulePriority ?? 0, [...(byRule.get(r.appliedRulePriority ?? 0) ?? []), r]);
  return (
    <div class="preview" data-status={preview.status}>
      <p>
        Preview {preview.status}: {preview.summary?.expiringImageTotalCount ?? 0} image(s) would expire.
      </p>
      {[...byRule.entries()]
        .sort(([a], [b]) => a - b)
        .map(([priority, results]) => (
          <div key={priority} class="rule">
            <h3>
              Rule {priority}
              {rules.find((r) => r.rulePriority === priority)?.description ? `: ${rules.find((r) => r.rulePriority === priority)!.description}` : ''}
            </h3>
            <table>
              <thead>
                <tr>
                  <th>Action</th>
                  <th>Tags</th>
                  <th>Digest</th>
                  <th>Pushed</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r) => (
                  <tr key={r.imageDigest} data-expiring={r.imageDigest}>
                    <td>
                      {r.action?.type}
                      {r.action?.type === 'TRANSITION' && r.storageClass ? ` → ${r.storageClass}` : ''}
                    </td>
                    <td>{r.imageTags?.join(', ') || <span class="muted">untagged</span>}</td>
                    <td>
                      <Digest digest={r.imageDigest} />
                    </td>
                    <td>{time(r.imagePushedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </div>
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseRules(text: string): Rule[] {
  const value = safeParse(text) as { rules?: Rule[] };
  return Array.isArray(value?.rules) ? value.rules : [];
}
