/**
 * Parsers of the package databases and release files the layer indexer keeps: dpkg status (and the
 * distroless status.d stanzas), apk's installed database, os-release, package-lock.json and Python
 * dist-info METADATA. Each takes the file's text and never throws on malformed input.
 */

/** An installed package. `source`/`sourceVersion` name the source package when the database records one. */
export type InstalledPackage = { name: string; version: string; source?: string; sourceVersion?: string; arch?: string };

/** Control-file stanzas (RFC 822 style, continuation lines folded into the field). */
function stanzas(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(current).length) out.push(current);
      current = {};
      last = '';
    } else if (/^[ \t]/.test(line)) {
      if (last) current[last] += '\n' + line.trim();
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) {
        last = line.slice(0, colon).trim().toLowerCase();
        current[last] = line.slice(colon + 1).trim();
      }
    }
  }
  if (Object.keys(current).length) out.push(current);
  return out;
}

/** Packages installed according to a dpkg status file (or a status.d stanza): only `install ok installed` ones. */
export function parseDpkgStatus(text: string, requireInstalled = true): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const s of stanzas(text)) {
    if (!s.package || !s.version) continue;
    if (requireInstalled && s.status !== undefined && !/\binstalled$/.test(s.status)) continue;
    const pkg: InstalledPackage = { name: s.package, version: s.version, ...(s.architecture ? { arch: s.architecture } : {}) };
    // "Source: name" or "Source: name (version)" when the source version differs from the binary's.
    const m = s.source ? /^(\S+)(?:\s+\((\S+)\))?/.exec(s.source) : null;
    if (m) {
      pkg.source = m[1];
      if (m[2]) pkg.sourceVersion = m[2];
    }
    out.push(pkg);
  }
  return out;
}

/** Packages of apk's installed database (`P:` name, `V:` version, `o:` origin, `A:` arch). */
export function parseApkInstalled(text: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  let current: Record<string, string> = {};
  const flush = () => {
    if (current.P && current.V)
      out.push({ name: current.P, version: current.V, ...(current.o ? { source: current.o } : {}), ...(current.A ? { arch: current.A } : {}) });
    current = {};
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (line[1] === ':' && !(line[0] in current)) current[line[0]] = line.slice(2).trim();
  }
  flush();
  return out;
}

/** The KEY=value pairs of an os-release file, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    out[m[1]] = value.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

/** npm packages a package-lock.json (lockfile v1, v2 or v3) installs, deduplicated by name and version. */
export function parsePackageLock(text: string): InstalledPackage[] {
  let lock: any;
  try {
    lock = JSON.parse(text);
  } catch {
    return [];
  }
  if (!lock || typeof lock !== 'object') return [];
  const seen = new Map<string, InstalledPackage>();
  const add = (name: string, version: unknown) => {
    if (!name || typeof version !== 'string' || !/^\d/.test(version)) return;
    seen.set(`${name}@${version}`, { name, version });
  };
  if (lock.packages && typeof lock.packages === 'object') {
    for (const [path, entry] of Object.entries<any>(lock.packages)) {
      if (!path || !entry || entry.link) continue;
      const i = path.lastIndexOf('node_modules/');
      add(entry.name ?? (i >= 0 ? path.slice(i + 'node_modules/'.length) : ''), entry.version);
    }
  } else {
    const walk = (deps: any) => {
      for (const [name, entry] of Object.entries<any>(deps ?? {})) {
        add(name, entry?.version);
        if (entry?.dependencies) walk(entry.dependencies);
      }
    };
    walk(lock.dependencies);
  }
  return [...seen.values()];
}

/** The distribution a dist-info METADATA file describes (`Name:` and `Version:` headers). */
export function parsePythonMetadata(text: string): InstalledPackage[] {
  const head = text.split(/\r?\n\r?\n/, 1)[0];
  const name = /^Name:\s*(.+)$/im.exec(head)?.[1].trim();
  const version = /^Version:\s*(.+)$/im.exec(head)?.[1].trim();
  return name && version ? [{ name, version }] : [];
}
