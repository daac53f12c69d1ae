/** BlobStore on S3. Enforces S3's multipart rules itself, since the embedded S3 server does not. */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { MAX_PARTS, MIN_PART_BYTES, MultipartRuleError, type BlobStore } from '../blobs.ts';
import { logger } from '../../observe/logger.ts';

export { MultipartRuleError };

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    // Blobs are verified by their digest, so the signature need not cover the payload: saying so spares a
    // SHA-256 pass over every byte stored, and lets bodies be streams of unknown content.
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'unsignedPayload', override: true },
    );
  }

  async put(key: string, body: Buffer | Readable, length?: number) {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: length ?? (Buffer.isBuffer(body) ? body.length : undefined) }),
    );
  }

  async getBytes(key: string) {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  async getStream(key: string, range?: { start: number; end?: number }) {
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined }),
    );
    const body = out.Body as Readable;
    // The embedded S3 server reads an end of 0 as no end (bytes=0-0 returns everything): cut what it sends to the range.
    const asked = range?.end !== undefined ? range.end - range.start + 1 : undefined;
    if (asked !== undefined && out.ContentLength !== undefined && out.ContentLength > asked) return Readable.from(take(body, asked));
    return body;
  }

  async size(key: string) {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength;
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw e;
    }
  }

  async delete(keys: string[]) {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (chunk.length) await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  async startMultipart(key: string) {
    const out = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    return out.UploadId!;
  }

  async uploadPart(key: string, multipartId: string, partNumber: number, body: Buffer, final: boolean) {
    if (partNumber < 1 || partNumber > MAX_PARTS) throw new MultipartRuleError(`part number ${partNumber} is outside 1..${MAX_PARTS}`);
    if (!final && body.length < MIN_PART_BYTES)
      throw new MultipartRuleError(`non-final part ${partNumber} has ${body.length} bytes, under S3's ${MIN_PART_BYTES}`);
    const out = await this.s3.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: multipartId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    return out.ETag!;
  }

  async completeMultipart(key: string, multipartId: string, parts: { partNumber: number; etag: string }[]) {
    for (let i = 1; i < parts.length; i++) {
      if (parts[i].partNumber <= parts[i - 1].partNumber) throw new MultipartRuleError('parts must be listed in ascending order');
    }
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: multipartId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  async abortMultipart(key: string, multipartId: string) {
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: multipartId }));
    } catch (e) {
      // Best effort, never the caller's failure: the bucket's lifecycle rule aborts leftovers in AWS. An upload
      // already gone (NoSuchUpload) or an embedded server without the call (405, 501) is expected; anything else
      // (a missing permission, throttling) is logged so that it is seen.
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((e as Error).name !== 'NoSuchUpload' && status !== 404 && status !== 405 && status !== 501) {
        logger.warn({ key, error: `${(e as Error).name}: ${(e as Error).message}` }, 'multipart upload not aborted; the bucket lifecycle rule will');
      }
    }
  }

  async list(prefix: string) {
    const out: { key: string; size: number; etag: string }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '' });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async presignGet(key: string, expiresInSeconds: number) {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

/** The first `n` bytes of a stream (the rest is not read: the source is destroyed when this ends). */
async function* take(source: Readable, n: number): AsyncGenerator<Buffer> {
  let left = n;
  for await (const chunk of source) {
    if (left <= 0) break;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    yield b.subarray(0, left);
    left -= b.length;
  }
}
