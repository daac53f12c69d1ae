/**
 * CVSS base scores from vectors (OSV records carry the vector, not the number), with the formulas of
 * the CVSS v3.1 specification (§7.1, Appendix A roundup; v3.0 vectors score the same way) and CVSS v2
 * (§3.2.1). Severity bands as the specifications name them.
 */

export type Cvss = { version: '2.0' | '3.0' | '3.1'; vector: string; score: number };
export type Severity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL' | 'UNDEFINED';

const V3 = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** Parses and scores a CVSS v3.x or v2 vector; undefined when it is not a complete, valid base vector. */
export function scoreVector(vector: string): Cvss | undefined {
  const v3 = /^CVSS:(3\.[01])\/(.*)$/.exec(vector.trim());
  if (v3) {
    const score = scoreV3(metrics(v3[2]));
    return score === undefined ? undefined : { version: v3[1] as '3.0' | '3.1', vector: vector.trim(), score };
  }
  const v2 = vector.trim().replace(/^\(|\)$/g, '');
  const score = scoreV2(metrics(v2));
  return score === undefined ? undefined : { version: '2.0', vector: v2, score };
}

function metrics(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split('/')) {
    const [k, v] = part.split(':');
    if (k && v) out[k] = v;
  }
  return out;
}

/** CVSS v3.1 roundup: the smallest number with one decimal that is at least the input. */
function roundup(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function scoreV3(m: Record<string, string>): number | undefined {
  const av = (V3.AV as any)[m.AV];
  const ac = (V3.AC as any)[m.AC];
  const ui = (V3.UI as any)[m.UI];
  const [c, i, a] = [m.C, m.I, m.A].map((x) => (V3.CIA as any)[x]);
  const changed = m.S === 'C';
  if (m.S !== 'U' && m.S !== 'C') return undefined;
  const pr = m.PR === 'N' ? 0.85 : m.PR === 'L' ? (changed ? 0.68 : 0.62) : m.PR === 'H' ? (changed ? 0.5 : 0.27) : undefined;
  if ([av, ac, ui, c, i, a, pr].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr! * ui;
  if (impact <= 0) return 0;
  return changed ? roundup(Math.min(1.08 * (impact + exploitability), 10)) : roundup(Math.min(impact + exploitability, 10));
}

function scoreV2(m: Record<string, string>): number | undefined {
  const av = ({ L: 0.395, A: 0.646, N: 1.0 } as any)[m.AV];
  const ac = ({ H: 0.35, M: 0.61, L: 0.71 } as any)[m.AC];
  const au = ({ M: 0.45, S: 0.56, N: 0.704 } as any)[m.Au];
  const [c, i, a] = [m.C, m.I, m.A].map((x) => (({ N: 0, P: 0.275, C: 0.66 }) as any)[x]);
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const exploitability = 20 * av * ac * au;
  const f = impact === 0 ? 0 : 1.176;
  return Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10;
}

/** The severity band of a score (v2 has no CRITICAL band and no NONE). */
export function severityOfScore(cvss: Cvss): Severity {
  const s = cvss.score;
  if (cvss.version === '2.0') return s < 4 ? 'LOW' : s < 7 ? 'MEDIUM' : 'HIGH';
  return s === 0 ? 'INFORMATIONAL' : s < 4 ? 'LOW' : s < 7 ? 'MEDIUM' : s < 9 ? 'HIGH' : 'CRITICAL';
}

/** A distribution's urgency or a vendor severity word as an ECR severity. */
export function severityOfWord(word: string | undefined): Severity | undefined {
  switch (word?.trim().toLowerCase()) {
    case 'unimportant':
    case 'negligible':
    case 'informational':
    case 'none':
      return 'INFORMATIONAL';
    case 'low':
    case 'low**':
      return 'LOW';
    case 'medium':
    case 'moderate':
    case 'medium**':
      return 'MEDIUM';
    case 'high':
    case 'important':
    case 'high**':
      return 'HIGH';
    case 'critical':
      return 'CRITICAL';
    default:
      return undefined;
  }
}
