/**
 * Matches in the shapes ECR returns: `ImageScanFinding` for basic scanning, `EnhancedImageScanFinding`
 * for enhanced scanning, and the severity counts. Findings are sorted by severity, then name, so that
 * pages are stable.
 */
import type { EnhancedImageScanFinding, FindingSeverity } from '../model/types.ts';
import { createHash } from 'node:crypto';
import type { Match } from './match.ts';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

export type Attribute = { key: string; value: string };
export type BasicFinding = { name: string; description?: string; uri?: string; severity: FindingSeverity; attributes: Attribute[] };

/** What an enhanced finding says about the image. */
export type ImageContext = {
  registryId: string;
  region: string;
  repositoryName: string;
  imageDigest: string;
  imageTags: string[];
  pushedAt: Date;
  scannedAt: Date;
  architecture?: string;
  platform?: string;
};

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The distribution's tracker page for a vulnerability, else its OSV page. */
export function trackerUri(ecosystem: string, name: string, id: string): string {
  const base = ecosystem.split(':')[0];
  if (base === 'Debian' && name.startsWith('CVE-')) return `https://security-tracker.debian.org/tracker/${name}`;
  if (base === 'Ubuntu' && name.startsWith('CVE-')) return `https://ubuntu.com/security/${name}`;
  if (base === 'Alpine' && name.startsWith('CVE-')) return `https://security.alpinelinux.org/vuln/${name}`;
  if (base === 'Red Hat' && name.startsWith('CVE-')) return `https://access.redhat.com/security/cve/${name}`;
  return `https://osv.dev/vulnerability/${id}`;
}

/** A basic-scan finding: CVE name, tracker link, severity, package name and version, CVSS when known. */
export function basicFinding(m: Match): BasicFinding {
  const { advisory, located } = m;
  const attributes: Attribute[] = [
    { key: 'package_version', value: clip(located.pkg.version, 256) },
    { key: 'package_name', value: clip(located.pkg.name, 256) },
  ];
  if (advisory.cvss) {
    const prefix = advisory.cvss.version === '2.0' ? 'CVSS2' : 'CVSS3';
    attributes.push({ key: `${prefix}_VECTOR`, value: clip(advisory.cvss.vector, 256) }, { key: `${prefix}_SCORE`, value: String(advisory.cvss.score) });
  }
  return {
    name: advisory.name,
    ...(advisory.description ? { description: advisory.description } : {}),
    uri: trackerUri(m.ecosystem, advisory.name, advisory.id),
    severity: advisory.severity,
    attributes,
  };
}

const SOURCES: Record<string, string> = { Debian: 'DEBIAN_CVE', Ubuntu: 'UBUNTU_CVE', Alpine: 'ALPINE_SEC_DB', npm: 'OSV_NPM', PyPI: 'OSV_PYPI' };

/** An enhanced-scan finding (the Amazon Inspector shape ECR returns), for OS and language packages. */
export function enhancedFinding(m: Match, image: ImageContext) {
  const { advisory, located } = m;
  const id = createHash('sha256').update(`${image.imageDigest}\u0000${advisory.id}\u0000${located.pkg.name}\u0000${located.path}`).digest('hex').slice(0, 32);
  const cvss = advisory.cvss;
  return {
    awsAccountId: image.registryId,
    description: advisory.description || advisory.name,
    findingArn: `arn:aws:inspector2:${image.region}:${image.registryId}:finding/${id}`,
    firstObservedAt: image.scannedAt,
    lastObservedAt: image.scannedAt,
    packageVulnerabilityDetails: {
      ...(cvss
        ? { cvss: [{ baseScore: cvss.score, scoringVector: cvss.vector, source: SOURCES[m.ecosystem.split(':')[0]] ?? 'OSV', version: cvss.version }] }
        : {}),
      referenceUrls: advisory.references,
      relatedVulnerabilities: advisory.aliases.filter((a) => a !== advisory.name),
      source: SOURCES[m.ecosystem.split(':')[0]] ?? 'OSV',
      sourceUrl: trackerUri(m.ecosystem, advisory.name, advisory.id),
      ...(advisory.published ? { vendorCreatedAt: new Date(advisory.published) } : {}),
      vendorSeverity: advisory.vendorSeverity ?? advisory.severity,
      ...(advisory.modified ? { vendorUpdatedAt: new Date(advisory.modified) } : {}),
      vulnerabilityId: advisory.name,
      vulnerablePackages: [
        {
          name: located.pkg.name,
          version: located.pkg.version,
          packageManager: m.kind,
          filePath: located.path,
          sourceLayerHash: located.layer,
          ...(located.pkg.arch ? { arch: located.pkg.arch } : {}),
          ...(m.fixed ? { fixedInVersion: m.fixed } : {}),
        },
      ],
    },
    remediation: {
      recommendation: { text: m.fixed ? `Upgrade ${located.pkg.name} to ${m.fixed} or later.` : `No fixed version of ${located.pkg.name} is known yet.` },
    },
    resources: [
      {
        id: `arn:aws:ecr:${image.region}:${image.registryId}:repository/${image.repositoryName}/${image.imageDigest}`,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        details: {
          awsEcrContainerImage: {
            registry: image.registryId,
            repositoryName: image.repositoryName,
            imageHash: image.imageDigest,
            imageTags: image.imageTags,
            pushedAt: image.pushedAt,
            ...(image.architecture ? { architecture: image.architecture } : {}),
            ...(image.platform ? { platform: image.platform } : {}),
          },
        },
      },
    ],
    ...(cvss
      ? {
          score: cvss.score,
          scoreDetails: {
            cvss: {
              score: cvss.score,
              scoreSource: SOURCES[m.ecosystem.split(':')[0]] ?? 'OSV',
              scoringVector: cvss.vector,
              version: cvss.version,
              adjustments: [],
            },
          },
        }
      : {}),
    severity: advisory.severity,
    status: 'ACTIVE',
    title: `${advisory.name} - ${located.pkg.name}`,
    type: 'PACKAGE_VULNERABILITY',
    updatedAt: image.scannedAt,
    fixAvailable: m.fixed ? 'YES' : 'NO',
  } satisfies EnhancedImageScanFinding;
}

/** Counts per severity, with only the severities present. */
export function severityCounts(findings: { severity: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** Most severe first, then by name, for stable pages. */
export function bySeverity<T extends { severity: string; name?: string; title?: string }>(a: T, b: T): number {
  const d = SEVERITIES.indexOf(a.severity as any) - SEVERITIES.indexOf(b.severity as any);
  if (d) return d;
  const x = a.name ?? a.title ?? '';
  const y = b.name ?? b.title ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
