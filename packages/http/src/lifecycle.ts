import type { FastifyInstance } from 'fastify';

/**
 * Listens, then closes everything in order on SIGINT/SIGTERM (see stopOnSignals).
 */
export async function listenAndServe(app: FastifyInstance, port: number, host: string): Promise<void> {
  stopOnSignals(app);
  await app.listen({ port, host });
}

/**
 * Closes everything in order on SIGINT/SIGTERM: `onClose` hooks registered by the service
 * deregister from discovery before connections drop. A crash-worthy error is logged, not thrown.
 */
export function stopOnSignals(app: FastifyInstance): void {
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.on('unhandledRejection', (err) => app.log.error({ err }, 'unhandled rejection'));
}
