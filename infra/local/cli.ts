/** The command line of `npm start`: options override the environment variables of the same meaning. */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm start -- [options]

Runs serverless-ecr on this machine: the ECR API (POST /), the OCI API (/v2/), GET /health and,
on loopback only, GET /metrics, on an embedded DynamoDB and S3 kept in the data directory.

Options:
  --port <n>        port to listen on (env PORT, default 5000; 0 picks a free one)
  --host <addr>     address to listen on (env HOST, default 127.0.0.1; any other address needs
                    REGISTRY_ACCESS_KEY_ID and REGISTRY_SECRET_ACCESS_KEY)
  --data-dir <dir>  where the data lives (env REGISTRY_DATA_DIR, default .data); one process at a time
  -h, --help        print this and exit

Other settings are environment variables (README, "Configuration"), among them LOG_LEVEL
(debug, info, warn, error; default info). Logs are JSON lines on stdout.
SIGINT or SIGTERM stops it: requests in flight finish, then it prints one "stopped" line and exits 0.`;

export type CliOptions = { help: boolean; port?: number; host?: string; dataDir?: string };

/** Parses argv; throws an Error with a one-line message on a bad option. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be a port number, not '${values.port}'`);
  return { help: values.help ?? false, port, host: values.host, dataDir: values['data-dir'] };
}
