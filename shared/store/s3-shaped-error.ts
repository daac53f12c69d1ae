/**
 * The error the blob stores that are not S3 (in memory, on the filesystem) raise, shaped as the AWS SDK raises
 * S3's (NoSuchKey, NoSuchUpload, InvalidPart, InvalidRange, IncompleteBody): a `name` and the HTTP status in
 * `$metadata`, so that callers handle every adapter's failures the one way they handle S3's.
 */
export class S3ShapedError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(
    override readonly name: string,
    message: string,
    status: number,
  ) {
    super(message);
    this.$metadata = { httpStatusCode: status };
  }
}
