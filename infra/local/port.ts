/** Whether a TCP port can be listened on, checked before anything else of the registry starts. */
import { createServer } from 'node:net';

/** Resolves undefined when `hostname:port` is free, else the error code (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
export function probePort(hostname: string, port: number): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    server.listen({ port, host: hostname, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** One line saying why the port cannot be used. */
export function portProblem(hostname: string, port: number, code: string): string {
  if (code === 'EADDRINUSE') return `Port ${port} on ${hostname} is already in use: stop what listens there, or choose another with --port or PORT.`;
  if (code === 'EACCES') return `Port ${port} on ${hostname} needs privileges this user lacks: choose a port above 1023 with --port or PORT.`;
  if (code === 'EADDRNOTAVAIL') return `Cannot listen on ${hostname}:${port}: the address is not one of this machine's (choose another with --host or HOST).`;
  return `Cannot listen on ${hostname}:${port} (${code}).`;
}
