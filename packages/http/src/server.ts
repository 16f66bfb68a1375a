import type { Registry } from 'prom-client';
import type { Tracing } from '@sk/tracing';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { Codes, SkError, envelope, type FieldError } from './codes.js';
import { installMetrics } from './metrics.js';
import { installRequestLog } from './request-log.js';

export const BODY_LIMIT = 16 * 1024;

export type SkFastify = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServiceOptions {
  name: string;
  logLevel?: string;
  /** Readiness of the service's dependencies; `/health` answers 503 while it returns false. */
  ready?: () => boolean | Promise<boolean>;
  trustProxy?: boolean;
  /** The registry `/metrics` serves, when the service made it before the app to add its own metrics. */
  registry?: Registry;
  /** Server spans for every request when the service traces (ZIPKIN_URL set). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS); off, only metrics count answers. */
  logRequests?: boolean;
}

/** Redacted everywhere: credentials must never reach a log line. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'password',
  '*.password',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'sign_key',
  '*.sign_key',
];

/**
 * A fastify instance with the contract's envelope: zod validation → 400/1101 listing each field,
 * 16 KiB body limit → 413, unknown route → 404/1003, and no error ever answered as a 500.
 */
export function createService(opts: ServiceOptions): SkFastify {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: { level: opts.logLevel ?? 'info', name: opts.name, redact: REDACT },
    // Fastify's two lines per request cost too much at sale rates: one line, and only on demand (installRequestLog).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();

  opts.tracing?.serve(app);
  if (opts.logRequests) installRequestLog(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(envelope(Codes.NOT_FOUND, {}, `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError | SkError | Error, req, reply) => {
    if (err instanceof SkError) {
      if (err.headers) reply.headers(err.headers);
      return reply.code(err.info.status).send(envelope(err.info, err.errors ? { errors: err.errors } : {}, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const context = (err as { validationContext?: string }).validationContext ?? 'body';
      const errors: FieldError[] = err.validation.map((v) => ({
        field: fieldName(context, v.instancePath),
        message: v.message ?? 'invalid',
      }));
      return reply.code(400).send(envelope(Codes.INVALID_REQUEST, { errors }));
    }
    const fe = err as FastifyError;
    const status = fe.statusCode ?? 0;
    if (status === 413) {
      return reply.code(413).send(envelope(Codes.INVALID_REQUEST, { errors: [{ field: 'body', message: `larger than ${BODY_LIMIT} bytes` }] }, 'body too large'));
    }
    if (status >= 400 && status < 500) {
      // Malformed JSON, unsupported media type, bad content-length...: the client's fault, never a 500.
      return reply.code(status).send(envelope(Codes.INVALID_REQUEST, { errors: [{ field: 'body', message: fe.message }] }));
    }
    req.log.error({ err }, 'request failed');
    return reply.code(503).send(envelope(Codes.BUSY, {}, 'service busy, try again'));
  });

  app.get('/health', { logLevel: 'warn' }, async (_req, reply) => {
    const ok = opts.ready ? await opts.ready() : true;
    return reply.code(ok ? 200 : 503).send(envelope(ok ? Codes.OK : Codes.BUSY, { service: opts.name }, ok ? 'ok' : 'not ready'));
  });

  app.decorate('metrics', installMetrics(app, opts.name, opts.registry));
  return app as unknown as SkFastify;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry, served at `/metrics`. */
    metrics: Registry;
  }
}

function fieldName(context: string, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  return context === 'body' ? path || 'body' : path || context;
}
