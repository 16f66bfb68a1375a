import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { Tracing } from '@sk/tracing';
import pino from 'pino';
import Fastify, {
  LogController,
  errorCodes,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyReply,
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
import { Codes, SkError, envelope, type FieldError } from '@sk/codes';
import { installAnswerCode } from './answer-code.js';
import { installMetrics } from './metrics.js';
import { LogBlocks } from './log-blocks.js';
import { requestLine } from './request-log.js';

export const BODY_LIMIT = 16 * 1024;

/**
 * What one client may hold of a server (fastify's own defaults bound none of it): its headers
 * within 10 s and its whole request within 30 s (a client trickling them is closed, checked every
 * second), an idle keep-alive connection 15 s, and at most 20,000 connections at once.
 */
export const CONNECTION_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 15_000,
  checkEveryMs: 1_000,
  maxConnections: 20_000,
} as const;

export type SkFastify = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServiceOptions {
  logLevel?: string;
  /** Readiness of the service's dependencies; `/health` answers 503 while it returns false. */
  ready?: () => boolean | Promise<boolean>;
  trustProxy?: boolean;
  /** The registry `/metrics` serves, when the service made it before the app to add its own metrics. */
  registry?: Registry;
  /** Server spans for every request when the service traces (ZIPKIN_URL set). */
  tracing?: Tracing | undefined;
  /** A log line per answer (LOG_REQUESTS, on by default); off, only metrics count answers. */
  logRequests?: boolean;
}

/** What an app's dependencies pass on to its fastify instance (createService reads only these of them). */
export type ServiceDeps = Omit<ServiceOptions, 'ready' | 'trustProxy'>;

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

/** What a part that only reports trouble needs of a logger (a service's, or a fake in a test). */
export interface WarnLog {
  warn(details: object, message: string): void;
}

/** A logger for a process that serves no HTTP itself (a cluster's primary); lines as a service's. */
export function createLogger(name: string, level = 'info'): pino.Logger {
  return pino({ level, name, redact: REDACT });
}

/**
 * A fastify instance with the contract's envelope: zod validation → 400/1101 listing each field,
 * 16 KiB body limit → 413, unknown route → 404/1003, and no error ever answered as a 500.
 */
export function createService(name: string, opts: ServiceOptions = {}): SkFastify {
  const level = opts.logLevel ?? 'info';
  // Written in blocks of 8 KiB or more (a write per line would cost more than a cheap answer), at
  // least every second, and what is left when the process exits.
  const destination = new LogBlocks(1);
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    loggerInstance: pino({ level, name, redact: REDACT }, destination) as FastifyBaseLogger,
    // Fastify's two lines per request cost too much at sale rates: one line instead (requestLine).
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request either (its bindings are serialized, redaction included, at each
    // request): the few lines written for a request name its reqId themselves.
    childLoggerFactory: (logger) => logger,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: true,
    requestTimeout: CONNECTION_LIMITS.requestTimeoutMs,
    keepAliveTimeout: CONNECTION_LIMITS.keepAliveTimeoutMs,
    http: { headersTimeout: CONNECTION_LIMITS.headersTimeoutMs, connectionsCheckingInterval: CONNECTION_LIMITS.checkEveryMs },
    // What node's HTTP parser refuses (a request line that is no request, headers over 16 KiB, a
    // client too slow) is answered before any route or hook: in the envelope too.
    clientErrorHandler: answerClientError,
    // The router's own refusals (a malformed percent-encoding in the path) in the envelope too.
    frameworkErrors: (err: FastifyError, _req: unknown, reply: FastifyReply) => {
      const answer = answerForError(err.code === 'FST_ERR_BAD_URL' ? SkError.invalid([{ field: 'path', message: err.message }]) : err);
      reply.code(answer.status).send(answer.body);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.server.maxConnections = CONNECTION_LIMITS.maxConnections;
  // A body declared larger than its route takes is refused first, whoever sends it: 413 before any
  // hook of the app (a token check, a rate limit) answers, and without reading the body.
  app.addHook('onRequest', (req, _reply, done) => {
    const tooLarge = Number(req.headers['content-length'] ?? 0) > (req.routeOptions.bodyLimit ?? BODY_LIMIT);
    done(tooLarge ? new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE() : undefined);
  });

  const tracing = opts.tracing;
  if (tracing) {
    tracing.serve(app);
    // Registered first, so it runs after every other onClose hook: spans of the last work still leave.
    app.addHook('onClose', () => tracing.flush());
  }
  app.addHook('onClose', () => destination.close());
  // Request lines hold only fields of our choosing, none of them secret: no redaction, which would
  // cost more than the rest of the line.
  installAnswerCode(app, opts.logRequests ? requestLine(pino({ level, name }, destination)) : undefined);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(envelope(Codes.NOT_FOUND, {}, `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError | SkError | Error, req, reply) => {
    const answer = answerForError(err);
    if (answer.unexpected) req.log.error({ reqId: req.id, err }, 'request failed');
    if (answer.headers) reply.headers(answer.headers);
    return reply.code(answer.status).send(answer.body);
  });

  app.get('/health', { logLevel: 'warn' }, async (_req, reply) => {
    const ok = opts.ready ? await opts.ready() : true;
    return reply.code(ok ? 200 : 503).send(envelope(ok ? Codes.OK : Codes.BUSY, { service: name }, ok ? 'ok' : 'not ready'));
  });

  app.decorate('metrics', installMetrics(app, name, opts.registry));
  return app as unknown as SkFastify;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry, served at `/metrics`. */
    metrics: Registry;
  }
}

/** The contract's answer to an error thrown while serving a request. */
export interface ErrorAnswer {
  status: number;
  headers?: Record<string, string> | undefined;
  body: ReturnType<typeof envelope>;
  /** Not a refusal of ours nor the client's fault: answered 503/1001, and worth a log line. */
  unexpected?: true;
}

/**
 * What the contract answers for an error: an SkError's code, 400/1101 listing the fields zod
 * refused, 413 above the body limit, 4xx/1101 for other faults of the request, and 503/1001 for
 * anything else: never a 500.
 */
export function answerForError(err: unknown): ErrorAnswer {
  if (err instanceof SkError) {
    return {
      status: err.info.status,
      headers: err.headers,
      body: envelope(err.info, err.errors ? { errors: err.errors } : {}, err.message),
    };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as { validationContext?: string }).validationContext ?? 'body';
    const errors: FieldError[] = err.validation.map((v) => ({
      field: fieldName(context, v.instancePath),
      message: v.message ?? 'invalid',
    }));
    return { status: 400, body: envelope(Codes.INVALID_REQUEST, { errors }) };
  }
  const status = (err as FastifyError).statusCode ?? 0;
  if (status === 413) {
    return {
      status,
      body: envelope(Codes.INVALID_REQUEST, { errors: [{ field: 'body', message: `larger than ${BODY_LIMIT} bytes` }] }, 'body too large'),
    };
  }
  if (status >= 400 && status < 500) {
    // Malformed JSON, unsupported media type, bad content-length...: the client's fault, never a 500.
    return { status, body: envelope(Codes.INVALID_REQUEST, { errors: [{ field: 'body', message: (err as Error).message }] }) };
  }
  return { status: 503, body: envelope(Codes.BUSY, {}, 'service busy, try again'), unexpected: true };
}

const PARSER_REFUSALS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'headers larger than 16 KiB',
  ERR_HTTP_REQUEST_TIMEOUT: 'request not received in time',
};

/** fastify's clientErrorHandler: a request node's parser refused, answered 400/1101 (408 when it came too slowly), and the connection closed. */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message = PARSER_REFUSALS[err.code ?? ''] ?? 'not an HTTP request this server can read';
  const body = JSON.stringify(envelope(Codes.INVALID_REQUEST, { errors: [{ field: 'request', message }] }));
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // Closed at once, as fastify's own handler does: a client too slow, or not speaking HTTP, gets no more time.
  socket.destroy();
}

/** The fields a zod schema refused in a body, named as the error handler names them. */
export function bodyFieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldError[] {
  return issues.map((issue) => ({ field: fieldName('body', `/${issue.path.map(String).join('/')}`), message: issue.message }));
}

function fieldName(context: string, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  return context === 'body' ? path || 'body' : path || context;
}
