/**
 * Coalescing: the layers' indexes merged in order into the image's view of the files scanning cares
 * about. A later layer's file replaces an earlier one at the same path; a whiteout removes a path (and
 * everything under it) from the layers below; an opaque directory hides everything below it. The
 * operating system and its package ecosystem come from the merged view.
 */
import type { IndexedFile, LayerIndex } from './layer-indexer.ts';
import type { InstalledPackage } from './packages.ts';
import { parseOsRelease } from './packages.ts';

export type OsInfo = { id: string; versionId?: string; name?: string; prettyName?: string };
/** A package and where it was found (the database file and the layer that last wrote it). */
export type Located = { pkg: InstalledPackage; path: string; layer: string };

export type Inventory = {
  os?: OsInfo;
  /** The OSV ecosystem of the OS packages, e.g. `Debian:12`, `Alpine:v3.18`, `Rocky Linux:9`; undefined when not supported. */
  osEcosystem?: string;
  packageManager?: 'dpkg' | 'apk' | 'rpm';
  osPackages: Located[];
  npmPackages: Located[];
  pythonPackages: Located[];
};

type Entry = { file: IndexedFile; layer: string };

/** Merges layer indexes, lowest layer first. */
export function coalesce(layers: LayerIndex[]): Inventory {
  const view = new Map<string, Entry>();
  for (const layer of layers) {
    if (layer.opaque.length || layer.whiteouts.length) {
      for (const path of [...view.keys()]) {
        const hidden = layer.opaque.some((d) => d === '' || path.startsWith(d + '/')) || layer.whiteouts.some((w) => path === w || path.startsWith(w + '/'));
        if (hidden) view.delete(path);
      }
    }
    for (const file of layer.files) view.set(file.path, { file, layer: layer.digest });
  }
  const files = [...view.values()];
  const text = (path: string) => {
    const e = view.get(path);
    return e && !e.file.symlink ? e.file.text : undefined;
  };
  const osRelease = text('etc/os-release') ?? text('usr/lib/os-release');
  const fields = osRelease !== undefined ? parseOsRelease(osRelease) : {};
  let os: OsInfo | undefined = fields.ID ? { id: fields.ID, versionId: fields.VERSION_ID, name: fields.NAME, prettyName: fields.PRETTY_NAME } : undefined;
  if (!os && text('etc/alpine-release') !== undefined) os = { id: 'alpine', versionId: text('etc/alpine-release')!.trim() };
  if (!os && text('etc/debian_version') !== undefined) os = { id: 'debian', versionId: /^(\d+)/.exec(text('etc/debian_version')!.trim())?.[1] };

  const located = (kinds: string[]) =>
    files.filter((e) => kinds.includes(e.file.kind)).flatMap((e) => (e.file.packages ?? []).map((pkg) => ({ pkg, path: e.file.path, layer: e.layer })));
  const dpkg = located(['dpkg', 'dpkg-status.d']);
  const apk = located(['apk']);
  const rpmFound = files.some((e) => e.file.kind === 'rpmdb');
  // One rpm database: var/lib/rpm and usr/lib/sysimage/rpm are often the same one twice.
  const rpmAll = located(['rpmdb']);
  const rpm = rpmAll.filter((l) => l.path === rpmAll[0]?.path);
  const packageManager = dpkg.length ? 'dpkg' : apk.length ? 'apk' : rpmFound ? 'rpm' : undefined;
  const osPackages = packageManager === 'dpkg' ? dpkg : packageManager === 'apk' ? apk : rpm;
  return {
    ...(os ? { os } : {}),
    ...(os && packageManager && osPackages.length ? withEcosystem(os, packageManager) : {}),
    ...(packageManager ? { packageManager } : {}),
    osPackages,
    npmPackages: located(['npm']),
    pythonPackages: located(['python']),
  };
}

/** OSV's ecosystem names of the RPM distributions it publishes advisories for, by os-release ID. */
const RPM_ECOSYSTEMS: Record<string, string> = { rhel: 'Red Hat:enterprise_linux', rocky: 'Rocky Linux', almalinux: 'AlmaLinux' };

/** The OSV ecosystem of a distribution release, when the package manager fits the distribution. */
function withEcosystem(os: OsInfo, manager: 'dpkg' | 'apk' | 'rpm'): { osEcosystem?: string } {
  const version = os.versionId ?? '';
  // RPM distributions by major release (Red Hat's feed further splits it by repository: see match.ts).
  if (manager === 'rpm' && Object.hasOwn(RPM_ECOSYSTEMS, os.id) && /^\d+/.test(version))
    return { osEcosystem: `${RPM_ECOSYSTEMS[os.id]}:${/^\d+/.exec(version)![0]}` };
  if (manager === 'dpkg' && os.id === 'debian' && /^\d+/.test(version)) return { osEcosystem: `Debian:${/^\d+/.exec(version)![0]}` };
  if (manager === 'dpkg' && os.id === 'ubuntu' && /^\d+\.\d+/.test(version)) return { osEcosystem: `Ubuntu:${/^\d+\.\d+/.exec(version)![0]}` };
  if (manager === 'apk' && os.id === 'alpine' && /^\d+\.\d+/.test(version)) return { osEcosystem: `Alpine:v${/^\d+\.\d+/.exec(version)![0]}` };
  return {};
}
