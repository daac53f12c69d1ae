/**
 * Image manifest parsing and validation, as Amazon ECR's PutImage and the OCI distribution spec v1.1 do it.
 * Pure: no I/O. Supports Docker v2 schema 2 (manifest and manifest list) and OCI image manifest / index.
 */
import { createHash } from 'node:crypto';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** The four manifest media types this registry accepts; anything else is 'unsupported-media-type'. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = Object.freeze([DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX]);

/** A validated content descriptor: digest is a valid sha256/sha512 digest, size a non-negative integer. */
export type Descriptor = {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: Record<string, unknown>;
  annotations?: Record<string, string>;
};

/** The validated content of a manifest; `kind` tells which of config/layers or manifests is meaningful. */
export type ParsedManifest = {
  /** Resolved media type, always one of MANIFEST_MEDIA_TYPES. */
  mediaType: string;
  kind: 'image' | 'index';
  /** Present for images. */
  config?: Descriptor;
  /** Layers of an image ([] for an index). */
  layers: Descriptor[];
  /** Children of an index ([] for an image). */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** The manifest's own annotations (what a referrers listing reports). */
  annotations?: Record<string, string>;
  /** manifest.artifactType, else (OCI image manifests) config.mediaType when it is not the standard image config type. */
  artifactType?: string;
  /** What ECR reports as artifactMediaType: config.mediaType for images; undefined for an index. */
  artifactMediaType?: string;
  /** Images: config size + sum of layer sizes. Index: byte length of the manifest text. */
  sizeInBytes: number;
};

export type ManifestErrorReason = 'invalid' | 'unsupported-media-type' | 'media-type-mismatch';

/** Every rejection of parseManifest; `reason` classifies it, `message` names the offending field. */
export class ManifestError extends Error {
  constructor(
    readonly reason: ManifestErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
// RFC 6838 type/subtype (restricted-name), as the OCI spec requires of mediaType and artifactType.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** True only for `sha256:` + 64 lowercase hex or `sha512:` + 128 lowercase hex (the OCI registered algorithms). */
export function isValidDigest(d: string): boolean {
  return typeof d === 'string' && DIGEST.test(d);
}

/**
 * The artifactType a referrers listing reports for a manifest (OCI 1.1): its own artifactType, else, for an image
 * manifest, its config's mediaType (the standard image config type included).
 */
export function referrerArtifactType(parsed: ParsedManifest): string | undefined {
  return parsed.artifactType ?? parsed.config?.mediaType;
}

/** What referrer items written before referrerArtifactType lack: an OCI image manifest's standard config type. */
export function storedReferrerArtifactType(mediaType: string, artifactType: string | undefined): string | undefined {
  return artifactType ?? (mediaType === OCI_MANIFEST ? OCI_IMAGE_CONFIG : undefined);
}

/** Digest of the exact bytes (a string is hashed as UTF-8), formatted `algorithm:<lowercase hex>`. */
export function digestOf(bytes: Buffer | string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  const hash = createHash(algorithm);
  if (typeof bytes === 'string') hash.update(bytes, 'utf8');
  else hash.update(bytes);
  return `${algorithm}:${hash.digest('hex')}`;
}

type Json = Record<string, unknown>;

const invalid = (message: string): ManifestError => new ManifestError('invalid', message);
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkMediaType(v: unknown, field: string): string {
  if (typeof v !== 'string' || !MEDIA_TYPE.test(v)) throw invalid(`${field} must be a valid media type string`);
  return v;
}

function parseAnnotations(v: unknown, field: string): Record<string, string> {
  if (!isObject(v)) throw invalid(`${field} must be an object of strings`);
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw invalid(`${field}.${k} must be a string`);
  }
  return { ...(v as Record<string, string>) };
}

function parsePlatform(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw invalid(`${field} must be an object`);
  for (const key of ['architecture', 'os']) {
    if (typeof v[key] !== 'string' || v[key] === '') throw invalid(`${field}.${key} must be a non-empty string`);
  }
  for (const key of ['os.version', 'variant']) {
    if (v[key] !== undefined && typeof v[key] !== 'string') throw invalid(`${field}.${key} must be a string`);
  }
  for (const key of ['os.features', 'features']) {
    const list = v[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((s) => typeof s === 'string'))) {
      throw invalid(`${field}.${key} must be an array of strings`);
    }
  }
  return { ...v };
}

function parseDescriptor(v: unknown, field: string): Descriptor {
  if (v === undefined || v === null) throw invalid(`${field} is required`);
  if (!isObject(v)) throw invalid(`${field} must be an object`);
  const mediaType = checkMediaType(v.mediaType, `${field}.mediaType`);
  if (typeof v.digest !== 'string' || !isValidDigest(v.digest)) throw invalid(`${field}.digest is not a valid digest`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) {
    throw invalid(`${field}.size must be a non-negative integer`);
  }
  if (v.urls !== undefined && !(Array.isArray(v.urls) && v.urls.every((u) => typeof u === 'string'))) {
    throw invalid(`${field}.urls must be an array of strings`);
  }
  if (v.data !== undefined && typeof v.data !== 'string') throw invalid(`${field}.data must be a base64 string`);
  const d: Descriptor = { mediaType, digest: v.digest, size: v.size };
  if (v.artifactType !== undefined) d.artifactType = checkMediaType(v.artifactType, `${field}.artifactType`);
  if (v.platform !== undefined) d.platform = parsePlatform(v.platform, `${field}.platform`);
  if (v.annotations !== undefined) d.annotations = parseAnnotations(v.annotations, `${field}.annotations`);
  return d;
}

function parseDescriptors(v: unknown, field: string): Descriptor[] {
  if (v === undefined || v === null) throw invalid(`${field} is required`);
  if (!Array.isArray(v)) throw invalid(`${field} must be an array`);
  return v.map((item, i) => parseDescriptor(item, `${field}[${i}]`));
}

/** Strips parameters (`; charset=...`) and whitespace; 'application/json' and '' count as not declared. */
function normalizeDeclared(declared: string | undefined): string | undefined {
  if (declared === undefined) return undefined;
  const base = declared.split(';')[0]!.trim();
  return base === '' || base.toLowerCase() === 'application/json' ? undefined : base;
}

function resolveMediaType(doc: Json, declared: string | undefined): string {
  let field: string | undefined;
  if (doc.mediaType !== undefined) {
    if (typeof doc.mediaType !== 'string') throw invalid('mediaType must be a string');
    field = doc.mediaType;
    if (!MANIFEST_MEDIA_TYPES.includes(field)) {
      throw new ManifestError('unsupported-media-type', `mediaType ${field} is not a supported manifest media type`);
    }
  }
  if (declared !== undefined && field !== undefined && declared !== field) {
    throw new ManifestError('media-type-mismatch', `declared media type ${declared} does not match manifest mediaType ${field}`);
  }
  const resolved = field ?? declared;
  if (resolved !== undefined) return resolved;
  // OCI allows mediaType to be omitted: infer from the shape.
  if (doc.config !== undefined) return OCI_MANIFEST;
  if (doc.manifests !== undefined) return OCI_INDEX;
  throw invalid('mediaType is missing and the manifest has neither config nor manifests');
}

/**
 * Parses the exact manifest text. `declaredMediaType` is PutImage's imageManifestMediaType or the HTTP
 * Content-Type (may be undefined). Returns only fully validated manifests; otherwise throws ManifestError.
 */
export function parseManifest(text: string, declaredMediaType?: string): ParsedManifest {
  const declared = normalizeDeclared(declaredMediaType);
  if (declared !== undefined && !MANIFEST_MEDIA_TYPES.includes(declared)) {
    throw new ManifestError('unsupported-media-type', `media type ${declared} is not a supported manifest media type`);
  }
  if (typeof text !== 'string' || text.trim() === '') throw invalid('manifest is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw invalid('manifest must be a JSON object');

  const mediaType = resolveMediaType(doc, declared);
  if (doc.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const isOci = mediaType === OCI_MANIFEST || mediaType === OCI_INDEX;
  const kind: 'image' | 'index' = mediaType === OCI_INDEX || mediaType === DOCKER_LIST ? 'index' : 'image';

  let artifactType: string | undefined;
  let subject: Descriptor | undefined;
  if (isOci) {
    if (doc.artifactType !== undefined) artifactType = checkMediaType(doc.artifactType, 'artifactType');
    if (doc.subject !== undefined) subject = parseDescriptor(doc.subject, 'subject');
  }
  const annotations = doc.annotations !== undefined ? parseAnnotations(doc.annotations, 'annotations') : undefined;

  const result = (extra: Partial<ParsedManifest> & Pick<ParsedManifest, 'sizeInBytes'>): ParsedManifest => {
    const out: ParsedManifest = { mediaType, kind, layers: [], manifests: [], ...extra };
    if (subject) out.subject = subject;
    if (annotations) out.annotations = annotations;
    if (out.artifactType === undefined) delete out.artifactType;
    return out;
  };

  if (kind === 'index') {
    if (doc.config !== undefined) throw invalid('an index must not have config');
    if (doc.layers !== undefined) throw invalid('an index must not have layers');
    const manifests = parseDescriptors(doc.manifests, 'manifests');
    return result({ manifests, artifactType, sizeInBytes: Buffer.byteLength(text, 'utf8') });
  }

  if (doc.manifests !== undefined) throw invalid('an image manifest must not have manifests');
  const config = parseDescriptor(doc.config, 'config');
  const layers = parseDescriptors(doc.layers, 'layers');
  if (isOci && artifactType === undefined && config.mediaType !== OCI_IMAGE_CONFIG) artifactType = config.mediaType;
  const sizeInBytes = layers.reduce((sum, l) => sum + l.size, config.size);
  return result({ config, layers, artifactType, artifactMediaType: config.mediaType, sizeInBytes });
}
