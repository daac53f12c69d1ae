/**
 * The web console in a real browser (Debian's headless Chromium, driven by playwright-core) against a real local
 * registry: images pushed with skopeo, a scan against the tests' OSV feed, a lifecycle preview, and a read-only
 * principal from REGISTRY_IAM_FILE. The run writes the screenshots shown in the README (docs/console/*.png).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  GetLifecyclePolicyCommand,
  PutLifecyclePolicyCommand,
  UpdateImageStorageClassCommand,
} from '@aws-sdk/client-ecr';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.ts';
import { PLAIN_HTTP, skopeo } from '../helpers/skopeo.ts';
import { OCI_INDEX, sha256, writeImage, writeIndex, writeMultiArch } from '../helpers/oci-layout.ts';
import { loginPassword } from '../helpers/oci.ts';
import { imageManifest, OCI_MANIFEST, pushBlobs, putManifest } from '../helpers/images.ts';
import { pushImageOfLayers } from '../helpers/scan-fixtures.ts';
import { debianBase, debianUpper, waitForScan, writeFeed } from '../helpers/scan-registry.ts';

const ACCOUNT = '123456789012';
const READER = { accessKeyId: 'AKIAREADER000000001', secretAccessKey: 'a-long-reader-secret' };
const KEEP_NEWEST = {
  rulePriority: 1,
  description: 'keep the newest v* image',
  selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 },
  action: { type: 'expire' },
};
const SHOTS = join(import.meta.dirname, '../../docs/console');

let registry: TestRegistry;
let work: string;
let browser: Browser;
let pushed: Record<string, string>;
let scanned: string;
let indexDigest: string;
let platforms: string[];
let archived: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'secr-console-'));
  const feedDir = join(work, 'feed');
  mkdirSync(feedDir);
  writeFeed(feedDir);
  const iam = join(work, 'principals.json');
  writeFileSync(
    iam,
    JSON.stringify({
      principals: [
        { arn: `arn:aws:iam::${ACCOUNT}:user/reader`, accessKeys: [READER], policies: ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'] },
      ],
    }),
  );
  // No lifecycle run after the pushes: the preview is to show what a run would expire, with everything still there.
  const quiet = { debounceMs: 3_600_000, maxDelayMs: 3_600_000 };
  registry = await startTestRegistry(undefined, { SCAN_FEED_DIR: feedDir, REGISTRY_IAM_FILE: iam, REGISTRY_ID: ACCOUNT }, { lifecycleTriggers: quiet });
  const ecr = registry.ecr;
  // team/app: a policy that keeps only the newest v* image (its own run done), then three images pushed with skopeo.
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
  const rule = {
    rulePriority: 1,
    description: 'keep the newest v* image',
    selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 },
    action: { type: 'expire' },
  };
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'team/app', lifecyclePolicyText: JSON.stringify({ rules: [rule] }) }));
  await registry.jobs.idle();
  const host = new URL(registry.endpoint).host;
  const creds = `AWS:${await loginPassword(registry)}`;
  const layout = join(work, 'layout');
  const images = ['v1', 'v2', 'v3'].map((tag, i) => ({ tag, ...writeImage(layout, [2048 * (i + 1), 512]) }));
  writeIndex(layout, images);
  for (const { tag } of images)
    await skopeo('copy', ...PLAIN_HTTP, '--preserve-digests', '--dest-creds', creds, `oci:${layout}:${tag}`, `docker://${host}/team/app:${tag}`);
  pushed = Object.fromEntries(images.map((i) => [i.tag, i.digest]));
  // team/multi: a two-platform index, pushed with skopeo --all.
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/multi' }));
  const multi = join(work, 'multi');
  const children = [writeImage(multi, [1024], 'amd64'), writeImage(multi, [1024], 'arm64')];
  const index = writeMultiArch(multi, children, ['amd64', 'arm64']);
  platforms = children.map((c) => c.digest);
  writeIndex(multi, [{ tag: 'latest', manifest: index, mediaType: OCI_INDEX }]);
  await skopeo('copy', ...PLAIN_HTTP, '--all', '--preserve-digests', '--dest-creds', creds, `oci:${multi}:latest`, `docker://${host}/team/multi:latest`);
  indexDigest = sha256(index);
  // ... and an older image there, archived.
  archived = await putManifest(ecr, 'team/multi', imageManifest(await pushBlobs(ecr, 'team/multi', 1, 128)), 'old');
  await ecr.send(new UpdateImageStorageClassCommand({ repositoryName: 'team/multi', imageId: { imageDigest: archived }, targetStorageClass: 'ARCHIVE' }));
  // team/base: a Debian image scanned on push, with an SBOM referring to it.
  await ecr.send(
    new CreateRepositoryCommand({ repositoryName: 'team/base', imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: 'IMMUTABLE' }),
  );
  scanned = await pushImageOfLayers(ecr, 'team/base', [await debianBase(), await debianUpper()], '12');
  await waitForScan(ecr, 'team/base', scanned);
  const subject = (await ecr.send(new DescribeImagesCommand({ repositoryName: 'team/base', imageIds: [{ imageDigest: scanned }] }))).imageDetails![0];
  const sbom = await pushBlobs(ecr, 'team/base', 1, 256);
  await putManifest(
    ecr,
    'team/base',
    imageManifest(sbom, OCI_MANIFEST, {
      artifactType: 'application/spdx+json',
      subject: { mediaType: OCI_MANIFEST, digest: scanned, size: subject.imageSizeInBytes },
    }),
  );
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await registry?.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** Every request a tab makes, as `<method> <path> <X-Amz-Target operation>`. */
function watch(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const target = r.headers()['x-amz-target']?.replace('AmazonEC2ContainerRegistry_V20150921.', '') ?? '';
    seen.push(`${r.method()} ${new URL(r.url()).pathname} ${target}`.trim());
  });
  return seen;
}

/** Only ECR API calls (POST / with an ECR target) and the console's own page and files. */
const ONLY_ECR = /^(POST \/ [A-Za-z]+|GET \/|GET \/console\/assets\/[\w.-]+)$/;

/** A fresh tab (its own session storage) signed in with `key`. */
async function signedIn(key: { accessKeyId: string; secretAccessKey: string }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${registry.endpoint}/`);
  await page.fill('input[name=accessKeyId]', key.accessKeyId);
  await page.fill('input[name=secretAccessKey]', key.secretAccessKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
/** Polls what the page shows until it matches (vitest's default of 1 s is short on a loaded machine). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('the web console', () => {
  it('refuses a wrong secret at sign-in with the wire error, and signs in with the right one to the repositories and their image counts', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${registry.endpoint}/`);
    await shot(page, 'sign-in');
    await page.fill('input[name=accessKeyId]', 'test');
    await page.fill('input[name=secretAccessKey]', 'wrong');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('InvalidSignatureException');
    await page.fill('input[name=secretAccessKey]', 'test');
    await page.click('button[type=submit]');
    const row = page.locator('tr[data-repository="team/app"]');
    await poll(() => row.locator('td').nth(1).textContent()).toBe('3');
    expect(await row.locator('td').nth(3).textContent()).toBe('MUTABLE');
    expect(await page.locator('tr[data-repository="team/base"] td').nth(4).textContent()).toBe('yes');
    await page.fill('input[type=search]', 'base');
    await poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.fill('input[type=search]', '');
    await poll(() => page.locator('tr[data-repository="team/base"] td').nth(1).textContent()).toBe('2');
    await shot(page, 'repositories');
    await page.context().close();
  });

  it("shows a repository's images a page at a time, and the images its lifecycle preview (of the saved policy, then of an unsaved draft) would expire, by rule", async () => {
    const page = await signedIn(ROOT);
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fapp?per=2`);
    await page.waitForSelector('#images tbody tr');
    expect(await page.locator('#images tbody tr').count()).toBe(2);
    await page.click('#images button:has-text("Next")');
    await poll(() => page.locator('#images tbody tr').count()).toBe(1);
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fapp`);
    await poll(() => page.locator('#images tbody tr').count()).toBe(3);
    await page.click('#lifecycle button:has-text("Preview")');
    await page.waitForSelector('.preview[data-status=COMPLETE]');
    expect(await page.textContent('.preview .rule h3')).toBe('Rule 1: keep the newest v* image');
    const expiring = await page.locator('[data-expiring]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-expiring')));
    expect(expiring.sort()).toEqual([pushed.v1, pushed.v2].sort());
    await shot(page, 'repository');
    // A draft keeping two: previewed (only v1 would expire), not saved.
    const draft = JSON.stringify({ rules: [{ ...KEEP_NEWEST, description: 'keep the two newest', selection: { ...KEEP_NEWEST.selection, countNumber: 2 } }] });
    await page.fill('textarea[name=policy]', draft);
    await page.click('#lifecycle button:has-text("Preview")');
    await poll(() => page.textContent('.preview .rule h3')).toBe('Rule 1: keep the two newest');
    expect(await page.locator('[data-expiring]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-expiring')))).toEqual([pushed.v1]);
    const saved = await registry.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'team/app' }));
    expect(JSON.parse(saved.lifecyclePolicyText!).rules[0].selection.countNumber).toBe(1);
    await page.context().close();
  });

  it('opens a scanned image: its layers, its SBOM referrer and its findings by severity linked to the advisories, through ECR calls only', async () => {
    const page = await signedIn(ROOT);
    const requests = watch(page);
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fbase`);
    await page.click(`tr[data-digest="${scanned}"] a`);
    const critical = page.locator('[data-severity=CRITICAL]');
    await critical.waitFor();
    expect(await critical.locator('a').textContent()).toBe('CVE-2024-1003');
    expect(await critical.locator('a').getAttribute('href')).toBe('https://security-tracker.debian.org/tracker/CVE-2024-1003');
    expect(await page.locator('[data-severity]').evaluateAll((s) => s.map((e) => e.getAttribute('data-severity')))).toEqual([
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'UNDEFINED',
    ]);
    expect(await page.locator('#layers tbody tr').count()).toBe(3); // the config and two layers
    expect(await page.textContent('#referrers tbody')).toContain('application/spdx+json');
    await shot(page, 'image');
    await page.goto(`${registry.endpoint}/#/settings`);
    await page.waitForSelector('#scanning p');
    await poll(() => page.locator('section .muted, section table, [role=alert]').count()).toBeGreaterThanOrEqual(5);
    await shot(page, 'settings');
    expect(requests.filter((r) => !ONLY_ECR.test(r))).toEqual([]);
    expect(new Set(requests.map((r) => r.split(' ')[2]).filter(Boolean))).toEqual(
      new Set([
        'DescribeImages',
        'DescribeRepositories',
        'GetLifecyclePolicy',
        'BatchGetImage',
        'ListImageReferrers',
        'DescribeImageReplicationStatus',
        'DescribeImageSigningStatus',
        'DescribeImageScanFindings',
        'DescribeRegistry',
        'GetRegistryScanningConfiguration',
        'DescribePullThroughCacheRules',
        'DescribeRepositoryCreationTemplates',
        'GetSigningConfiguration',
      ]),
    );
    await page.context().close();
  });

  it('lists archived images with their archive state beside the active ones, and filters by state', async () => {
    const page = await signedIn(ROOT);
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fmulti`);
    const row = page.locator(`tr[data-digest="${archived}"]`);
    await poll(() => row.locator('td').nth(5).textContent()).toMatch(/^ARCHIVED \(archived \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/);
    expect(await page.locator('#images tbody tr').count()).toBe(4); // the index, its two images, the archived one
    await page.selectOption('select[name=imageStatus]', 'ACTIVE');
    await poll(() => page.locator('#images tbody tr').count()).toBe(3);
    expect(await row.count()).toBe(0);
    await page.selectOption('select[name=imageStatus]', 'ARCHIVED');
    await poll(() => page.locator('#images tbody tr').count()).toBe(1);
    await page.context().close();
  });

  it('opens a multi-platform index: its platforms, each linking to its own image and layers', async () => {
    const page = await signedIn(ROOT);
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fmulti/images/${encodeURIComponent(indexDigest)}`);
    await poll(() => page.locator('#layers tbody tr').count()).toBe(2);
    expect(await page.locator('#layers tbody tr td:first-child').allTextContents()).toEqual(['linux/amd64', 'linux/arm64']);
    await page.click('#layers tbody tr:nth-child(2) a');
    await poll(() => page.textContent('h1')).toBe(platforms[1]);
    await poll(() => page.locator('#layers tbody tr').count()).toBe(2); // its config and its one layer
    await page.context().close();
  });

  it('tells a read-only principal that a delete is denied, and the image stays', async () => {
    const page = await signedIn(READER);
    page.on('dialog', (d) => d.accept());
    await page.goto(`${registry.endpoint}/#/repositories/team%2Fapp`);
    await page.click(`tr[data-digest="${pushed.v1}"] button:has-text("Delete")`);
    const alert = page.locator('#images .denied');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      `Access denied. Your key may not do this: User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: ecr:BatchDeleteImage`,
    );
    await shot(page, 'access-denied');
    const left = await registry.ecr.send(new DescribeImagesCommand({ repositoryName: 'team/app', imageIds: [{ imageDigest: pushed.v1 }] }));
    expect(left.imageDetails).toHaveLength(1);
    await page.context().close();
  });
});
