import { describe, it, expect } from 'vitest';
import { MANIFEST_MEDIA_TYPES, ManifestError, digestOf, isValidDigest, parseManifest } from '../../shared/registry/manifests.ts';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const EMPTY_JSON = 'application/vnd.oci.empty.v1+json';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const desc = (mediaType: string, n: number, size: number) => ({ mediaType, digest: d(n), size });

const dockerManifest = () => ({
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST,
  config: desc(DOCKER_CONFIG, 1, 1470),
  layers: [desc(DOCKER_LAYER, 2, 1000), desc(DOCKER_LAYER, 3, 2000)],
});
const ociManifest = (): Record<string, unknown> => ({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: desc(OCI_CONFIG, 1, 100),
  layers: [desc(OCI_LAYER, 2, 50)],
});
const ociIndex = (): Record<string, unknown> => ({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    { ...desc(OCI_MANIFEST, 4, 500), platform: { architecture: 'amd64', os: 'linux' } },
    { ...desc(OCI_MANIFEST, 5, 501), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
  ],
});

const json = (v: unknown) => JSON.stringify(v);

function failure(text: string, declared?: string): ManifestError {
  try {
    parseManifest(text, declared);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return e as ManifestError;
  }
  throw new Error('expected parseManifest to throw');
}

function expectInvalid(doc: unknown, message: string | RegExp, declared?: string) {
  const err = failure(typeof doc === 'string' ? doc : json(doc), declared);
  expect(err.reason).toBe('invalid');
  expect(err.message).toMatch(message);
}

describe('MANIFEST_MEDIA_TYPES', () => {
  it('lists exactly the Docker v2 and OCI manifest and index media types', () => {
    expect([...MANIFEST_MEDIA_TYPES].sort()).toEqual([DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX].sort());
  });
});

describe('parseManifest of each supported type', () => {
  it('parses a Docker v2 schema 2 manifest as an image whose size is config plus layers', () => {
    const m = parseManifest(json(dockerManifest()), DOCKER_MANIFEST);

    expect(m).toEqual({
      mediaType: DOCKER_MANIFEST,
      kind: 'image',
      config: desc(DOCKER_CONFIG, 1, 1470),
      layers: [desc(DOCKER_LAYER, 2, 1000), desc(DOCKER_LAYER, 3, 2000)],
      manifests: [],
      artifactMediaType: DOCKER_CONFIG,
      sizeInBytes: 4470,
    });
  });

  it('parses a Docker manifest list as an index whose size is the manifest byte length', () => {
    const text = json({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [{ ...desc(DOCKER_MANIFEST, 7, 528), platform: { architecture: 'amd64', os: 'linux' } }],
    });

    const m = parseManifest(text);

    expect(m.kind).toBe('index');
    expect(m.mediaType).toBe(DOCKER_LIST);
    expect(m.manifests).toEqual([{ ...desc(DOCKER_MANIFEST, 7, 528), platform: { architecture: 'amd64', os: 'linux' } }]);
    expect(m.layers).toEqual([]);
    expect(m.config).toBeUndefined();
    expect(m.artifactMediaType).toBeUndefined();
    expect(m.sizeInBytes).toBe(Buffer.byteLength(text));
  });

  it('parses an OCI image manifest without reporting an artifactType for the standard config', () => {
    const m = parseManifest(json(ociManifest()), OCI_MANIFEST);

    expect(m.kind).toBe('image');
    expect(m.config).toEqual(desc(OCI_CONFIG, 1, 100));
    expect(m.layers).toHaveLength(1);
    expect(m.manifests).toEqual([]);
    expect(m.sizeInBytes).toBe(150);
    expect(m.artifactMediaType).toBe(OCI_CONFIG);
    expect(m).not.toHaveProperty('artifactType');
    expect(m.subject).toBeUndefined();
  });

  it('parses an OCI image index with platforms and counts multibyte annotation text in bytes', () => {
    const text = json({ ...ociIndex(), annotations: { 'org.opencontainers.image.description': 'café ☕' } });

    const m = parseManifest(text, OCI_INDEX);

    expect(m.kind).toBe('index');
    expect(m.manifests.map((c) => c.platform?.architecture)).toEqual(['amd64', 'arm64']);
    expect(m.manifests[1]!.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(m.sizeInBytes).toBe(Buffer.byteLength(text, 'utf8'));
    expect(m.sizeInBytes).toBeGreaterThan(text.length);
  });

  it('accepts an OCI image manifest with no layers', () => {
    const m = parseManifest(json({ ...ociManifest(), layers: [] }));

    expect(m.layers).toEqual([]);
    expect(m.sizeInBytes).toBe(100);
  });

  it('keeps descriptor annotations and artifactType and accepts sha512 digests', () => {
    const layer = {
      mediaType: OCI_LAYER,
      digest: `sha512:${'a'.repeat(128)}`,
      size: 9,
      artifactType: 'application/example',
      annotations: { 'org.opencontainers.image.title': 'x.tar.gz' },
    };

    const m = parseManifest(json({ ...ociManifest(), layers: [layer] }));

    expect(m.layers[0]).toEqual(layer);
  });
});

describe('parseManifest of OCI artifacts', () => {
  it('reports the explicit artifactType and the subject of an artifact manifest', () => {
    const subject = desc(OCI_MANIFEST, 9, 1234);
    const text = json({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.sbom.v1',
      config: desc(EMPTY_JSON, 10, 2),
      layers: [desc('application/spdx+json', 11, 4096)],
      subject,
      annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
    });

    const m = parseManifest(text, OCI_MANIFEST);

    expect(m.artifactType).toBe('application/vnd.example.sbom.v1');
    expect(m.artifactMediaType).toBe(EMPTY_JSON);
    expect(m.subject).toEqual(subject);
    expect(m.sizeInBytes).toBe(4098);
  });

  it('falls back to a non-standard config media type as the artifactType', () => {
    const m = parseManifest(json({ ...ociManifest(), config: desc('application/vnd.cncf.helm.config.v1+json', 1, 10) }));

    expect(m.artifactType).toBe('application/vnd.cncf.helm.config.v1+json');
    expect(m.artifactMediaType).toBe('application/vnd.cncf.helm.config.v1+json');
  });

  it('reports artifactType and subject of an OCI index but no artifactMediaType', () => {
    const subject = desc(OCI_MANIFEST, 9, 1234);

    const m = parseManifest(json({ ...ociIndex(), artifactType: 'application/vnd.example.bundle', subject }));

    expect(m.artifactType).toBe('application/vnd.example.bundle');
    expect(m.subject).toEqual(subject);
    expect(m.artifactMediaType).toBeUndefined();
  });

  it('does not derive an artifactType from the config of a Docker manifest', () => {
    const m = parseManifest(json(dockerManifest()));

    expect(m.artifactType).toBeUndefined();
  });
});

describe('parseManifest media type resolution', () => {
  it('uses the declared media type when the manifest has no mediaType field', () => {
    const { mediaType: _omit, ...doc } = dockerManifest();

    expect(parseManifest(json(doc), DOCKER_MANIFEST).mediaType).toBe(DOCKER_MANIFEST);
  });

  it('uses the mediaType field when nothing is declared', () => {
    expect(parseManifest(json(dockerManifest())).mediaType).toBe(DOCKER_MANIFEST);
  });

  it('ignores a declared application/json and Content-Type parameters', () => {
    expect(parseManifest(json(dockerManifest()), 'application/json').mediaType).toBe(DOCKER_MANIFEST);
    expect(parseManifest(json(dockerManifest()), `${DOCKER_MANIFEST}; charset=utf-8`).mediaType).toBe(DOCKER_MANIFEST);
  });

  it('infers an OCI image manifest from config when no media type is given anywhere', () => {
    const { mediaType: _omit, ...doc } = ociManifest();

    const m = parseManifest(json(doc));

    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.kind).toBe('image');
  });

  it('infers an OCI index from manifests without config when no media type is given anywhere', () => {
    const { mediaType: _omit, ...doc } = ociIndex();

    const m = parseManifest(json(doc), 'application/json');

    expect(m.mediaType).toBe(OCI_INDEX);
    expect(m.kind).toBe('index');
  });

  it('rejects a declared media type that differs from the mediaType field as a mismatch', () => {
    const err = failure(json(dockerManifest()), OCI_MANIFEST);

    expect(err.reason).toBe('media-type-mismatch');
    expect(err.message).toContain(OCI_MANIFEST);
    expect(err.message).toContain(DOCKER_MANIFEST);
  });

  it('rejects an unsupported declared media type before looking at the content', () => {
    const err = failure('not json', 'application/vnd.docker.distribution.manifest.v1+prettyjws');

    expect(err.reason).toBe('unsupported-media-type');
  });

  it('rejects an unsupported mediaType field', () => {
    const err = failure(json({ ...dockerManifest(), mediaType: 'application/vnd.docker.distribution.manifest.v1+json' }));

    expect(err.reason).toBe('unsupported-media-type');
    expect(err.name).toBe('ManifestError');
  });

  it('rejects a declared index type for content shaped as an image manifest', () => {
    const { mediaType: _omit, ...doc } = ociManifest();

    expectInvalid(doc, /an index must not have config/, OCI_INDEX);
  });
});

describe('parseManifest rejects invalid manifests', () => {
  it('rejects text that is not JSON', () => {
    expectInvalid('{"schemaVersion": 2,', /not valid JSON/);
  });

  it('rejects empty text', () => {
    expectInvalid('', /empty/);
  });

  it.each([['[]'], ['"manifest"'], ['null'], ['42']])('rejects the non-object JSON %s', (text) => {
    expectInvalid(text, /must be a JSON object/);
  });

  it.each([[1], ['2'], [undefined], [3]])('rejects schemaVersion %s', (schemaVersion) => {
    expectInvalid({ ...dockerManifest(), schemaVersion }, /schemaVersion must be 2/);
  });

  it('rejects a mediaType field that is not a string', () => {
    expectInvalid({ ...dockerManifest(), mediaType: 2 }, /^mediaType must be a string/);
  });

  it('rejects an object with neither mediaType, config nor manifests', () => {
    expectInvalid({ schemaVersion: 2, layers: [] }, /neither config nor manifests/);
  });

  it('rejects an image manifest without config', () => {
    const { config: _omit, ...doc } = dockerManifest();

    expectInvalid(doc, /^config is required/);
  });

  it('rejects an image manifest without layers', () => {
    const { layers: _omit, ...doc } = dockerManifest();

    expectInvalid(doc, /^layers is required/);
  });

  it('rejects layers that are not an array', () => {
    expectInvalid({ ...dockerManifest(), layers: {} }, /^layers must be an array/);
  });

  it('rejects an image manifest that also has manifests', () => {
    expectInvalid({ ...ociManifest(), manifests: [] }, /image manifest must not have manifests/);
  });

  it('rejects an index without manifests', () => {
    expectInvalid({ schemaVersion: 2, mediaType: OCI_INDEX }, /^manifests is required/);
  });

  it('rejects an index that has config or layers', () => {
    expectInvalid({ ...ociIndex(), config: desc(OCI_CONFIG, 1, 1) }, /index must not have config/);
    expectInvalid({ ...ociIndex(), layers: [] }, /index must not have layers/);
  });

  it('names the index of a layer whose digest is invalid', () => {
    const doc = dockerManifest();
    doc.layers.push({ ...desc(DOCKER_LAYER, 4, 1), digest: 'sha256:ABC' });

    expectInvalid(doc, 'layers[2].digest is not a valid digest');
  });

  it.each([
    ['a descriptor that is not an object', 'x', /^config must be an object/],
    ['a missing mediaType', { digest: d(1), size: 1 }, /^config\.mediaType must be a valid media type/],
    ['a non-string mediaType', { mediaType: 5, digest: d(1), size: 1 }, /^config\.mediaType/],
    ['a malformed mediaType', { mediaType: 'not a type', digest: d(1), size: 1 }, /^config\.mediaType/],
    ['a missing digest', { mediaType: OCI_CONFIG, size: 1 }, /^config\.digest is not a valid digest/],
    ['an unsupported digest algorithm', { mediaType: OCI_CONFIG, digest: `md5:${'a'.repeat(32)}`, size: 1 }, /^config\.digest/],
    ['a missing size', { mediaType: OCI_CONFIG, digest: d(1) }, /^config\.size must be a non-negative integer/],
    ['a negative size', { mediaType: OCI_CONFIG, digest: d(1), size: -1 }, /^config\.size/],
    ['a fractional size', { mediaType: OCI_CONFIG, digest: d(1), size: 1.5 }, /^config\.size/],
    ['a string size', { mediaType: OCI_CONFIG, digest: d(1), size: '1' }, /^config\.size/],
    ['non-string annotations', { ...desc(OCI_CONFIG, 1, 1), annotations: { a: 1 } }, /^config\.annotations\.a must be a string/],
    ['annotations that are not an object', { ...desc(OCI_CONFIG, 1, 1), annotations: [] }, /^config\.annotations must be an object/],
    ['urls that are not strings', { ...desc(OCI_CONFIG, 1, 1), urls: [1] }, /^config\.urls/],
    ['a non-string data field', { ...desc(OCI_CONFIG, 1, 1), data: 1 }, /^config\.data/],
    ['a malformed artifactType', { ...desc(OCI_CONFIG, 1, 1), artifactType: 7 }, /^config\.artifactType/],
  ])('rejects a config descriptor with %s', (_name, config, message) => {
    expectInvalid({ ...ociManifest(), config }, message);
  });

  it.each([
    ['a platform that is not an object', 'linux/amd64', /^manifests\[0\]\.platform must be an object/],
    ['a platform without os', { architecture: 'amd64' }, /^manifests\[0\]\.platform\.os/],
    ['a platform without architecture', { os: 'linux' }, /^manifests\[0\]\.platform\.architecture/],
    ['a non-string variant', { architecture: 'arm', os: 'linux', variant: 7 }, /platform\.variant must be a string/],
    ['non-string os.features', { architecture: 'amd64', os: 'windows', 'os.features': [1] }, /platform\.os\.features/],
  ])('rejects an index child with %s', (_name, platform, message) => {
    expectInvalid({ ...ociIndex(), manifests: [{ ...desc(OCI_MANIFEST, 4, 1), platform }] }, message);
  });

  it('rejects a manifests entry that is null', () => {
    expectInvalid({ ...ociIndex(), manifests: [null] }, /^manifests\[0\] is required/);
  });

  it('rejects an invalid subject descriptor', () => {
    expectInvalid({ ...ociManifest(), subject: { mediaType: OCI_MANIFEST, digest: d(1), size: -5 } }, /^subject\.size/);
  });

  it('rejects a manifest artifactType that is not a media type', () => {
    expectInvalid({ ...ociManifest(), artifactType: '' }, /^artifactType must be a valid media type/);
  });

  it('rejects manifest annotations with non-string values', () => {
    expectInvalid({ ...ociIndex(), annotations: { created: true } }, /^annotations\.created must be a string/);
  });
});

describe('digestOf', () => {
  it('computes the sha256 of the empty input', () => {
    expect(digestOf('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf(Buffer.alloc(0))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes the sha256 of "abc"', () => {
    expect(digestOf('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('computes the sha512 of "abc" when asked', () => {
    expect(digestOf('abc', 'sha512')).toBe(
      'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(digestOf('café ☕')).toBe(digestOf(Buffer.from('café ☕', 'utf8')));
    expect(digestOf('café')).not.toBe(digestOf(Buffer.from('café', 'latin1')));
  });

  it('produces digests that isValidDigest accepts', () => {
    expect(isValidDigest(digestOf('x'))).toBe(true);
    expect(isValidDigest(digestOf('x', 'sha512'))).toBe(true);
  });
});

describe('isValidDigest', () => {
  it.each([[`sha256:${'0'.repeat(64)}`], [`sha256:${'a1'.repeat(32)}`], [`sha512:${'f'.repeat(128)}`]])('accepts %s', (digest) => {
    expect(isValidDigest(digest)).toBe(true);
  });

  it.each([
    ['uppercase hex', `sha256:${'A'.repeat(64)}`],
    ['a short sha256', `sha256:${'a'.repeat(63)}`],
    ['a long sha256', `sha256:${'a'.repeat(65)}`],
    ['a sha512 with sha256 length', `sha512:${'a'.repeat(64)}`],
    ['an unregistered algorithm', `md5:${'a'.repeat(32)}`],
    ['a missing algorithm', 'a'.repeat(64)],
    ['an empty string', ''],
    ['non-hex characters', `sha256:${'g'.repeat(64)}`],
    ['trailing whitespace', `sha256:${'a'.repeat(64)}\n`],
    ['an uppercase algorithm', `SHA256:${'a'.repeat(64)}`],
  ])('rejects %s', (_name, digest) => {
    expect(isValidDigest(digest)).toBe(false);
  });
});
