/**
 * A repository's lifecycle policy, and its preview: StartLifecyclePolicyPreview (of the saved policy, or of the
 * edited text: a draft is previewed, never saved), then GetLifecyclePolicyPreview until it leaves IN_PROGRESS,
 * rendered rule by rule (what each rule would expire or transition).
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
import { Digest, ErrorBox, Section, Show, time, useLoad } from '../ui.tsx';

type Rule = { rulePriority: number; description?: string };
/** A finished preview, with the policy text it ran (whose rules name the results). */
type Preview = { status?: string; policyText?: string; results: LifecyclePolicyPreviewResult[]; summary?: GetLifecyclePolicyPreviewCommandOutput['summary'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The policy (or "none") in an editable box, a Preview button, and the preview's results by rule. */
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
  const [draft, setDraft] = useState<string>();
  const run = async (saved: string | undefined) => {
    setPreview({ running: true });
    try {
      const client = ecr(credentials);
      const edited = draft !== undefined && draft.trim() !== (saved ?? '').trim() ? draft : undefined;
      await client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText: edited }));
      for (let i = 0; ; i++) {
        const first = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 100 }));
        if (first.status !== 'IN_PROGRESS' || i >= 120) {
          const { items } = await allPages(async (nextToken) => {
            const out = nextToken ? await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName, maxResults: 100, nextToken })) : first;
            return { items: out.previewResults ?? [], nextToken: out.nextToken };
          });
          return setPreview({
            running: false,
            result: { status: first.status, policyText: first.lifecyclePolicyText, results: items, summary: first.summary },
          });
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
          const shown = draft ?? (text === undefined ? '' : JSON.stringify(safeParse(text), null, 2));
          return (
            <>
              {text === undefined && <p class="muted">No lifecycle policy. Write one below to preview what it would do.</p>}
              <label class="policy">
                <span class="muted">Edit the text to preview a draft; previewing never changes the saved policy.</span>
                <textarea
                  name="policy"
                  rows={Math.min(24, Math.max(6, shown.split('\n').length))}
                  value={shown}
                  onInput={(e) => setDraft(e.currentTarget.value)}
                />
              </label>
              <button type="button" onClick={() => run(text === undefined ? undefined : JSON.stringify(safeParse(text), null, 2))} disabled={preview?.running}>
                {preview?.running ? 'Previewing…' : 'Preview'}
              </button>
              {preview?.error !== undefined && <ErrorBox error={preview.error} />}
              {preview?.result && <PreviewResults preview={preview.result} />}
            </>
          );
        }}
      </Show>
    </Section>
  );
}

function PreviewResults({ preview }: { preview: Preview }) {
  const rules = parseRules(preview.policyText ?? '');
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
              {describe(rules, priority)}
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

/** ": <description>" of the rule with that priority, when it has one. */
function describe(rules: Rule[], priority: number): string {
  const description = rules.find((r) => r.rulePriority === priority)?.description;
  return description ? `: ${description}` : '';
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
