/**
 * OSV records (the Open Source Vulnerability schema, ossf.github.io/osv-schema) turned into compact
 * advisories, one per affected package, and the schema's range evaluation: events sorted by version,
 * `introduced` opens an affected span, `fixed` closes it at that version, `last_affected` after it;
 * `versions` lists affected versions explicitly.
 */
import { createHash } from 'node:crypto';
import type { Compare } from '../versions/index.ts';
import { scoreVector, severityOfScore, severityOfWord, type Cvss, type Severity } from './cvss.ts';

export type OsvEvent = { introduced?: string; fixed?: string; last_affected?: string; limit?: string };
export type OsvRange = { type: string; events: OsvEvent[] };

/** What the matcher needs of one OSV record for one package. */
export type Advisory = {
  id: string;
  /** The finding name: the CVE the record is about when it names one, else the record id. */
  name: string;
  aliases: string[];
  description: string;
  severity: Severity;
  /** The distribution's or vendor's own severity word, when the record has one. */
  vendorSeverity?: string;
  cvss?: Cvss;
  published?: string;
  modified?: string;
  ranges: OsvRange[];
  versions?: string[];
  references: string[];
};

/** An advisory and the package (ecosystem with release, name) it is about. */
export type PackageAdvisory = { ecosystem: string; name: string; advisory: Advisory };

const CVE = /CVE-\d{4}-\d{4,}/;

/** The ecosystem as shards are keyed: Ubuntu's `:LTS` suffix dropped. */
export function normalizeEcosystem(ecosystem: string): string {
  return ecosystem.replace(/:LTS$/, '');
}

/** A package name as matched: PyPI names normalised as PEP 503 does, others as written. */
export function normalizeName(ecosystem: string, name: string): string {
  return ecosystem.startsWith('PyPI') ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

/** The shard a package's advisories live in (one of `buckets`), stable across imports. */
export function bucketOf(name: string, buckets: number): number {
  return createHash('sha256').update(name).digest().readUInt16BE(0) % buckets;
}

/** The advisories one OSV record contributes; nothing for withdrawn or malformed records. */
export function advisoriesOf(record: any): PackageAdvisory[] {
  if (!record || typeof record.id !== 'string' || record.withdrawn || !Array.isArray(record.affected)) return [];
  const aliases: string[] = [...(Array.isArray(record.aliases) ? record.aliases : []), ...(Array.isArray(record.upstream) ? record.upstream : [])].filter(
    (a) => typeof a === 'string',
  );
  const name = CVE.exec(record.id)?.[0] ?? aliases.find((a) => CVE.test(a))?.match(CVE)?.[0] ?? record.id;
  const cvss = bestCvss(record.severity);
  const description = String(record.details || record.summary || '').trim();
  const out: PackageAdvisory[] = [];
  for (const affected of record.affected) {
    const pkg = affected?.package;
    if (!pkg?.ecosystem || !pkg?.name) continue;
    const ranges = (Array.isArray(affected.ranges) ? affected.ranges : []).filter((r: any) => r && r.type !== 'GIT' && Array.isArray(r.events));
    const versions = Array.isArray(affected.versions) ? affected.versions.filter((v: any) => typeof v === 'string') : undefined;
    if (!ranges.length && !versions?.length) continue;
    const vendorSeverity = vendorWord(record, affected);
    const severity = cvss ? severityOfScore(cvss) : (severityOfWord(vendorSeverity) ?? 'UNDEFINED');
    const advisory: Advisory = {
      id: record.id,
      name,
      aliases,
      description: description.slice(0, 4000),
      severity,
      ...(vendorSeverity ? { vendorSeverity } : {}),
      ...(cvss ? { cvss } : {}),
      ...(record.published ? { published: record.published } : {}),
      ...(record.modified ? { modified: record.modified } : {}),
      ranges: ranges.map((r: any) => ({ type: r.type, events: r.events })),
      ...(versions?.length ? { versions } : {}),
      references: (Array.isArray(record.references) ? record.references : [])
        .map((r: any) => r?.url)
        .filter((u: any) => typeof u === 'string')
        .slice(0, 20),
    };
    const ecosystem = normalizeEcosystem(pkg.ecosystem);
    out.push({ ecosystem, name: normalizeName(ecosystem, pkg.name), advisory });
  }
  return out;
}

/** The record's CVSS v3 score if it has one, else its v2 score. */
function bestCvss(severity: unknown): Cvss | undefined {
  if (!Array.isArray(severity)) return undefined;
  const scored = severity
    .map((s: any) => (typeof s?.score === 'string' && /^CVSS_V[23]$/.test(s.type) ? scoreVector(s.score) : undefined))
    .filter((s): s is Cvss => !!s);
  return scored.find((s) => s.version !== '2.0') ?? scored[0];
}

/** The distribution's urgency (Debian), its priority (Ubuntu) or the advisory database's severity word. */
function vendorWord(record: any, affected: any): string | undefined {
  const word =
    affected?.ecosystem_specific?.urgency ??
    affected?.database_specific?.urgency ??
    record?.database_specific?.urgency ??
    (Array.isArray(record.severity) ? record.severity.find((s: any) => s?.type === 'Ubuntu')?.score : undefined) ??
    affected?.ecosystem_specific?.severity ??
    record?.database_specific?.severity;
  return typeof word === 'string' && word.trim() ? word.trim() : undefined;
}

/** Whether `version` is affected; `fixed` is the fix version of the range that matched, when it has one. */
export function affects(advisory: Advisory, version: string, compare: Compare): { affected: boolean; fixed?: string } {
  if (advisory.versions?.includes(version)) return { affected: true, fixed: fixOf(advisory, version, compare) };
  for (const range of advisory.ranges) {
    if (inRange(range, version, compare)) return { affected: true, fixed: fixOf(advisory, version, compare) };
  }
  return { affected: false };
}

const isZero = (v: string | undefined) => v === '0';
const eventVersion = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';

function inRange(range: OsvRange, version: string, compare: Compare): boolean {
  const events = [...range.events]
    .filter((e) => e && typeof eventVersion(e) === 'string')
    .sort((a, b) => {
      if (isZero(a.introduced)) return isZero(b.introduced) ? 0 : -1;
      if (isZero(b.introduced)) return 1;
      return compare(eventVersion(a), eventVersion(b));
    });
  let affected = false;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (isZero(e.introduced) || compare(version, e.introduced) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (compare(version, e.fixed) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if (compare(version, e.last_affected) > 0) affected = false;
    } else if (e.limit !== undefined && e.limit !== '*') {
      if (compare(version, e.limit) >= 0) affected = false;
    }
  }
  return affected;
}

/** The lowest fix above `version` among the advisory's ranges. */
function fixOf(advisory: Advisory, version: string, compare: Compare): string | undefined {
  const fixes = advisory.ranges.flatMap((r) => r.events.map((e) => e.fixed).filter((f): f is string => typeof f === 'string' && compare(f, version) > 0));
  return fixes.sort(compare)[0];
}
