/** The credentials the embedded DynamoDB and S3 servers accept, used whenever an endpoint is configured. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
