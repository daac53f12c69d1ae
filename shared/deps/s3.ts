/** The `blobs` part: layers, large manifests and feed exports in one S3 bucket (the embedded one locally). */
import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config.ts';
import type { BlobStore } from '../store/blobs.ts';
import { S3BlobStore } from '../store/s3/s3-blob-store.ts';
import { LOCAL_CREDENTIALS } from './local.ts';

/** Builds the S3 client and the blob store on the configured bucket. */
export function s3Blobs(config: Config): BlobStore {
  const s3 = new S3Client({
    region: config.region,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS } : {}),
    // Without these, streamed bodies are stored with aws-chunked framing by the embedded server.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return new S3BlobStore(s3, config.bucketName);
}
