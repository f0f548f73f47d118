// The server's public surface: build it around ports, or start it on a data directory.
import type { FastifyInstance } from 'fastify';
import { openEmbeddedStore } from '../adapters/sqlite/index.js';
import { ERROR_CODES, ShopstreamError } from '../core/index.js';
import { buildServer, type ServerOptions } from './app.js';

export { buildServer, DEFAULT_BODY_LIMIT } from './app.js';
export type { ServerOptions } from './app.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the embedded store of `dataDir` and listens on host:port (port 0 picks a free one). */
export async function startServer(options: {
  dataDir: string;
  port: number;
  host?: string;
  bodyLimit?: number;
  logLevel?: ServerOptions['logLevel'];
}): Promise<RunningServer> {
  const store = openEmbeddedStore(options.dataDir);
  const app = buildServer({
    log: store.log,
    deadLetters: store.deadLetters,
    bodyLimit: options.bodyLimit,
    logLevel: options.logLevel,
  });
  try {
    await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  } catch (error) {
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ShopstreamError(
        ERROR_CODES.INVALID_OPTION,
        `--port: ${options.port} is in use; pass another port (0 picks a free one)`,
        {
          field: 'port',
          cause: error,
        },
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    app,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
