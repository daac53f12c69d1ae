/**
 * Promise.withResolvers (Node 22+) for Node 20: aws-local-stepfunctions calls it. Imported by shared/jobs/local.ts
 * before the interpreter, so it is in place whenever the interpreter runs.
 */
const promise = Promise as unknown as { withResolvers?: () => unknown };
if (typeof promise.withResolvers !== 'function') {
  promise.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const created = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
}
export {};
