import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configFromEnv, isLoopbackHost, localConfigFromEnv } from '../../shared/config.ts';

const MiB = 1024 * 1024;

describe('loopback hosts', () => {
  it.each(['127.0.0.1', '127.0.0.1:5000', '127.1.2.3:80', 'localhost', 'localhost:5000', '::1', '[::1]', '[::1]:5000'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1:5000', 'registry.example.com', '127.example.com', '[2001:db8::1]:443', '2001:db8::1'])(
    'treats %s as reachable from elsewhere',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('the configuration from the environment', () => {
  it('applies the documented defaults when nothing is set', () => {
    // Act
    const config = configFromEnv({});
    // Assess
    expect(config).toMatchObject({
      registryId: '000000000000',
      region: 'us-east-1',
      accessKeyId: 'test',
      secretAccessKey: 'test',
      publicScheme: 'https',
      tableName: 'serverless-ecr',
      bucketName: 'serverless-ecr-blobs',
      layerPartSize: 4 * MiB,
      uploadTtlSeconds: 86400,
      ociBlobDelivery: 'redirect',
      ociChunkMinLength: undefined,
      ociChunkMaxLength: undefined,
    });
  });

  it('reads the pull through cache settings: a day between upstream checks by default, the secrets file resolved', () => {
    expect(configFromEnv({})).toMatchObject({ pullThroughRefreshSeconds: 86400, secretsFile: undefined });
    expect(configFromEnv({ PULL_THROUGH_CACHE_REFRESH_SECONDS: '0', REGISTRY_SECRETS_FILE: 'secrets.json' })).toMatchObject({
      pullThroughRefreshSeconds: 0,
      secretsFile: resolve('secrets.json'),
    });
    expect(() => configFromEnv({ PULL_THROUGH_CACHE_REFRESH_SECONDS: '-1' })).toThrow(ConfigError);
    expect(() => configFromEnv({ PULL_THROUGH_CACHE_REFRESH_SECONDS: 'daily' })).toThrow(/PULL_THROUGH_CACHE_REFRESH_SECONDS/);
  });

  it('reads integers and enumerations as given', () => {
    const config = configFromEnv({
      LAYER_PART_SIZE: String(8 * MiB),
      UPLOAD_TTL_SECONDS: '60',
      OCI_BLOB_DELIVERY: 'stream',
      REGISTRY_PUBLIC_SCHEME: 'http',
      OCI_CHUNK_MIN_LENGTH: '1024',
      OCI_CHUNK_MAX_LENGTH: String(4 * MiB),
    });
    expect(config).toMatchObject({
      layerPartSize: 8 * MiB,
      uploadTtlSeconds: 60,
      ociBlobDelivery: 'stream',
      publicScheme: 'http',
      ociChunkMinLength: 1024,
      ociChunkMaxLength: 4 * MiB,
    });
  });

  it('treats an empty variable as unset', () => {
    const config = configFromEnv({ LAYER_PART_SIZE: '', OCI_CHUNK_MAX_LENGTH: '', OCI_BLOB_DELIVERY: '' });
    expect(config).toMatchObject({ layerPartSize: 4 * MiB, ociChunkMaxLength: undefined, ociBlobDelivery: 'redirect' });
  });

  it('advertises no chunk minimum unless OCI_CHUNK_MIN_LENGTH sets one', () => {
    expect(configFromEnv({ OCI_CHUNK_MAX_LENGTH: String(4 * MiB) }).ociChunkMinLength).toBeUndefined();
    expect(configFromEnv({ OCI_CHUNK_MIN_LENGTH: String(MiB) }).ociChunkMinLength).toBe(MiB);
  });

  it.each([
    ['LAYER_PART_SIZE', 'abc'],
    ['LAYER_PART_SIZE', '0'],
    ['LAYER_PART_SIZE', '-1'],
    ['LAYER_PART_SIZE', '1.5'],
    ['LAYER_PART_SIZE', '4MiB'],
    ['LAYER_PART_SIZE', '1e6'],
    ['LAYER_PART_SIZE', ' 1024'],
    ['LAYER_PART_SIZE', String(20 * MiB + 1)],
    ['UPLOAD_TTL_SECONDS', '0'],
    ['UPLOAD_TTL_SECONDS', 'one day'],
    ['UPLOAD_TTL_SECONDS', '0x10'],
    ['OCI_CHUNK_MIN_LENGTH', '0'],
    ['OCI_CHUNK_MIN_LENGTH', 'NaN'],
    ['OCI_CHUNK_MAX_LENGTH', '-5'],
    ['OCI_CHUNK_MAX_LENGTH', 'Infinity'],
    ['OCI_CHUNK_MAX_LENGTH', '99999999999999999999'],
    ['OCI_BLOB_DELIVERY', 'proxy'],
    ['OCI_BLOB_DELIVERY', 'Stream'],
    ['REGISTRY_PUBLIC_SCHEME', 'ftp'],
  ])('refuses %s=%s with a ConfigError naming the variable and the value', (variable, value) => {
    // Act
    const read = () => configFromEnv({ [variable]: value });
    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`${variable}=${JSON.stringify(value)}`);
    try {
      read();
    } catch (e) {
      expect(e).toMatchObject({ name: 'ConfigError', variable, value });
    }
  });

  it('refuses a chunk minimum above the chunk maximum', () => {
    const read = () => configFromEnv({ OCI_CHUNK_MIN_LENGTH: String(8 * MiB), OCI_CHUNK_MAX_LENGTH: String(4 * MiB) });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/OCI_CHUNK_MIN_LENGTH="8388608".*OCI_CHUNK_MAX_LENGTH \(4194304\)/);
  });

  it('says what it expected in the message', () => {
    expect(() => configFromEnv({ LAYER_PART_SIZE: 'abc' })).toThrow(`Invalid configuration: LAYER_PART_SIZE="abc": expected an integer from 1 to ${20 * MiB}`);
  });
});

describe('the local host configuration from the environment', () => {
  it('reads REGISTRY_SIGNING_KEYS_DIR as a resolved directory and SIGNER_ENDPOINT, and refuses a keys directory that is not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secr-config-keys-'));
    try {
      writeFileSync(join(dir, 'file'), '');
      expect(configFromEnv({ REGISTRY_SIGNING_KEYS_DIR: dir, SIGNER_ENDPOINT: 'http://127.0.0.1:9' })).toMatchObject({
        signingKeysDir: resolve(dir),
        signerEndpoint: 'http://127.0.0.1:9',
      });
      expect(configFromEnv({})).not.toHaveProperty('signingKeysDir');
      for (const value of [join(dir, 'file'), join(dir, 'missing')]) {
        expect(() => configFromEnv({ REGISTRY_SIGNING_KEYS_DIR: value })).toThrow(
          expect.objectContaining({ name: 'ConfigError', variable: 'REGISTRY_SIGNING_KEYS_DIR', value }),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads TLS_CERT_FILE and TLS_KEY_FILE together, and refuses one without the other or a file that is not PEM', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'secr-tls-config-'));
    writeFileSync(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
    writeFileSync(join(dir, 'junk'), 'not a certificate');
    const read = (env: NodeJS.ProcessEnv) => () => localConfigFromEnv(env);

    // Act
    const { host } = localConfigFromEnv({ TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') });

    // Assess
    expect(host.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(host.tls?.key.toString()).toContain('BEGIN PRIVATE KEY');
    expect(read({ TLS_CERT_FILE: join(dir, 'cert.pem') })).toThrow(/TLS_KEY_FILE.*both or neither/);
    expect(read({ TLS_KEY_FILE: join(dir, 'key.pem') })).toThrow(/TLS_CERT_FILE.*both or neither/);
    expect(read({ TLS_CERT_FILE: join(dir, 'junk'), TLS_KEY_FILE: join(dir, 'key.pem') })).toThrow(ConfigError);
    expect(read({ TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'missing.pem') })).toThrow(/TLS_KEY_FILE=.*missing\.pem/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the documented local defaults when nothing is set', () => {
    // Act
    const { config, host } = localConfigFromEnv({});
    // Assess
    expect(host).toEqual({ hostname: '127.0.0.1', port: 5000, dataDir: resolve('.data') });
    expect(config.layerPartSize).toBe(10 * MiB);
  });

  it('reads the host, port, data directory and trigger timings', () => {
    const { config, host } = localConfigFromEnv({
      HOST: '0.0.0.0',
      PORT: '0',
      REGISTRY_DATA_DIR: '/tmp/secr-data',
      LIFECYCLE_PUSH_DEBOUNCE_MS: '0',
      SCAN_FEED_INTERVAL_SECONDS: '60',
      LAYER_PART_SIZE: String(2 * MiB),
    });
    expect(host).toEqual({ hostname: '0.0.0.0', port: 0, dataDir: '/tmp/secr-data', lifecyclePushDebounceMs: 0, scanFeedIntervalSeconds: 60 });
    expect(config.layerPartSize).toBe(2 * MiB);
  });

  it('resolves a relative data directory against the working directory', () => {
    expect(localConfigFromEnv({ REGISTRY_DATA_DIR: 'data' }).host.dataDir).toBe(resolve('data'));
  });

  it.each([
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', 'http'],
    ['PORT', '80.5'],
    ['LIFECYCLE_PUSH_DEBOUNCE_MS', '-1'],
    ['LIFECYCLE_PUSH_DEBOUNCE_MS', '2s'],
    ['LIFECYCLE_PUSH_DEBOUNCE_MS', String(2 ** 31)],
    ['SCAN_FEED_INTERVAL_SECONDS', '0'],
    ['SCAN_FEED_INTERVAL_SECONDS', '1h'],
    ['SCAN_FEED_INTERVAL_SECONDS', '2147484'],
    ['LAYER_PART_SIZE', 'big'],
  ])('refuses %s=%s with a ConfigError naming the variable and the value', (variable, value) => {
    const read = () => localConfigFromEnv({ [variable]: value });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`${variable}=${JSON.stringify(value)}`);
  });

  it('accepts the ends of the port range', () => {
    expect(localConfigFromEnv({ PORT: '0' }).host.port).toBe(0);
    expect(localConfigFromEnv({ PORT: '65535' }).host.port).toBe(65535);
  });
});

describe('npm start with a bad variable', () => {
  it('prints one line naming the variable and the value and exits non-zero, before starting anything', () => {
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
      env: { ...process.env, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual(['serverless-ecr: Invalid configuration: PORT="eighty": expected an integer from 0 to 65535']);
  }, 30_000);
});
