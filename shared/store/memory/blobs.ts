/**
 * BlobStore in memory, with the S3 adapter's multipart rules (shared/store/s3/s3-blob-store.ts) and S3's own:
 * 5 MiB minimum non-final part, part numbers 1..10,000, parts completed in ascending order by their ETags,
 * ETags as S3 makes them (the MD5 of an object; of the parts' MD5s and a part count for a multipart one).
 * Presigned URLs are `memory://blob/<key>?expires=<epoch ms>`; readPresigned resolves them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { MAX_PARTS, MIN_PART_BYTES, MultipartRuleError, type BlobStore } from '../blobs.ts';
import { S3ShapedError } from '../s3-shaped-error.ts';

type StoredObject = { body: Buffer; etag: string };
type Multipart = { key: string; parts: Map<number, StoredObject> };

const md5 = (b: Buffer) => createHash('md5').update(b).digest();
const PRESIGNED = /^memory:\/\/blob\/(.+)\?expires=(\d+)$/;

export class MemoryBlobStore implements BlobStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly multiparts = new Map<string, Multipart>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async put(key: string, body: Buffer | Readable, length?: number) {
    const bytes = Buffer.isBuffer(body) ? Buffer.from(body) : await collect(body);
    if (length !== undefined && length !== bytes.length) throw new S3ShapedError('IncompleteBody', `expected ${length} bytes, got ${bytes.length}`, 400);
    this.objects.set(key, { body: bytes, etag: `"${md5(bytes).toString('hex')}"` });
  }

  async getBytes(key: string) {
    return Buffer.from(this.object(key).body);
  }

  async getStream(key: string, range?: { start: number; end?: number }) {
    const { body } = this.object(key);
    if (!range) return Readable.from([Buffer.from(body)]);
    if (range.start >= body.length) throw new S3ShapedError('InvalidRange', `range starts at ${range.start}, past the object's ${body.length} bytes`, 416);
    const end = Math.min(range.end ?? body.length - 1, body.length - 1);
    return Readable.from([Buffer.from(body.subarray(range.start, end + 1))]);
  }

  async size(key: string) {
    return this.objects.get(key)?.body.length;
  }

  async delete(keys: string[]) {
    for (const key of keys) this.objects.delete(key);
  }

  async startMultipart(key: string) {
    const id = randomUUID();
    this.multiparts.set(id, { key, parts: new Map() });
    return id;
  }

  async uploadPart(key: string, multipartId: string, partNumber: number, body: Buffer, final: boolean) {
    if (partNumber < 1 || partNumber > MAX_PARTS) throw new MultipartRuleError(`part number ${partNumber} is outside 1..${MAX_PARTS}`);
    if (!final && body.length < MIN_PART_BYTES)
      throw new MultipartRuleError(`non-final part ${partNumber} has ${body.length} bytes, under S3's ${MIN_PART_BYTES}`);
    const upload = this.multipart(key, multipartId);
    const etag = `"${md5(body).toString('hex')}"`;
    upload.parts.set(partNumber, { body: Buffer.from(body), etag });
    return etag;
  }

  async completeMultipart(key: string, multipartId: string, parts: { partNumber: number; etag: string }[]) {
    for (let i = 1; i < parts.length; i++) {
      if (parts[i].partNumber <= parts[i - 1].partNumber) throw new MultipartRuleError('parts must be listed in ascending order');
    }
    const upload = this.multipart(key, multipartId);
    if (!parts.length) throw new S3ShapedError('MalformedXML', 'a multipart upload completes with at least one part', 400);
    const bodies = parts.map((p) => {
      const part = upload.parts.get(p.partNumber);
      if (!part || part.etag !== p.etag) throw new S3ShapedError('InvalidPart', `part ${p.partNumber} was not uploaded with ETag ${p.etag}`, 400);
      return part.body;
    });
    const digest = md5(Buffer.concat(bodies.map(md5))).toString('hex');
    this.objects.set(key, { body: Buffer.concat(bodies), etag: `"${digest}-${parts.length}"` });
    this.multiparts.delete(multipartId);
  }

  /** What the store holds: objects and multipart parts, and their bytes (what garbage collection gives back). */
  usage(): { objects: number; bytes: number } {
    const all = [...this.objects.values(), ...[...this.multiparts.values()].flatMap((m) => [...m.parts.values()])];
    return { objects: all.length, bytes: all.reduce((n, o) => n + o.body.length, 0) };
  }

  async abortMultipart(_key: string, multipartId: string) {
    this.multiparts.delete(multipartId);
  }

  async list(prefix: string) {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, o]) => ({ key, size: o.body.length, etag: o.etag }));
  }

  async presignGet(key: string, expiresInSeconds: number) {
    return `memory://blob/${key}?expires=${this.now().getTime() + expiresInSeconds * 1000}`;
  }

  /** The key a presigned URL of this store names, or undefined when the URL is not one or has expired. */
  readPresigned(url: string): string | undefined {
    const m = PRESIGNED.exec(url);
    return m && Number(m[2]) > this.now().getTime() ? m[1] : undefined;
  }

  private object(key: string): StoredObject {
    const o = this.objects.get(key);
    if (!o) throw new S3ShapedError('NoSuchKey', `no object ${key}`, 404);
    return o;
  }

  private multipart(key: string, multipartId: string): Multipart {
    const upload = this.multiparts.get(multipartId);
    if (!upload || upload.key !== key) throw new S3ShapedError('NoSuchUpload', `no multipart upload ${multipartId} of ${key}`, 404);
    return upload;
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
