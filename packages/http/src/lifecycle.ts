import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { REDACT } from './server.js';

/**
 * Ends the process on an exception nobody caught or a rejection nobody handled (a dependency
 * client's socket handler that throws, say): logged at fatal, then exit 1. Carrying on would serve
 * from whatever state the error left half-changed; the supervisor (./sk's, compose's) starts a fresh
 * process instead. Called once, by the process's entry, before anything else.
 */
export function exitOnCrash(service: string): void {
  // Written at once: nothing of it waits in a buffer when the process exits.
  const log = pino({ name: service, redact: REDACT }, pino.destination({ dest: 1, sync: true }));
  process.on('uncaughtException', crashed(log, 'uncaught exception'));
  process.on('unhandledRejection', crashed(log, 'unhandled rejection'));
}

/**
 * The listener exitOnCrash installs: logs the error at fatal and exits 1 at once, whatever the
 * logging did. Exiting writes out the log lines still gathered (LogBlocks flushes on exit).
 */
export function crashed(log: Pick<pino.BaseLogger, 'fatal'>, what: string): (err: unknown) => void {
  return (err) => {
    try {
      log.fatal({ err }, what);
    } finally {
      process.exit(1);
    }
  };
}

/**
 * Listens, then closes everything in order on SIGINT/SIGTERM (see stopOnSignals).
 */
export async function listenAndServe(app: FastifyInstance, port: number, host: string): Promise<void> {
  stopOnSignals(app);
  await app.listen({ port, host });
}

/**
 * Closes everything in order on SIGINT/SIGTERM: `onClose` hooks registered by the service
 * deregister from discovery before connections drop.
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
}
