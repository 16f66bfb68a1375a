import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import zipkin from 'zipkin';
import transport from 'zipkin-transport-http';

const { Annotation, BatchRecorder, ExplicitContext, Instrumentation, TraceId, Tracer, jsonEncoder, option, sampler } = zipkin;

/** A span's identity (trace, span, parent, sampling decision), handed from a server span to its children. */
export type TraceContext = zipkin.TraceId;

/** B3 propagation fields (`X-B3-TraceId`, `X-B3-SpanId`, ...): HTTP headers, or a field of a queued message. */
export type B3 = Record<string, string>;

export interface TracingOptions {
  /** `localEndpoint.serviceName` of every span. */
  serviceName: string;
  /** The collector; tracing is off (and costs nothing) without it. */
  zipkinUrl?: string | undefined;
  /** Share of new traces kept, 0..1. */
  sampleRate: number;
}

export interface ClientCall {
  remoteService: string;
  method: string;
  path: string;
}

/** A span for work already under way, closed with its outcome. */
export interface ChildSpan {
  /** The span itself, as the parent of the calls the work makes. */
  readonly context: TraceContext;
  finish(tags?: Record<string, string>): void;
}

/** A client span for a call to a dependency (Redis, MySQL...), closed when the call ends. */
export interface CallSpan {
  finish(error?: unknown): void;
}

export interface InstrumentOptions {
  /** The async methods traced, one client span per call. */
  methods: readonly string[];
  /** Methods whose (awaited) result is instrumented the same way: a pool's `getConnection`. */
  wrapResults?: readonly string[];
  /** The span's name and tags for one call. */
  describe: (method: string, args: readonly unknown[]) => { name: string; tags?: Record<string, string> };
}

// Not traced: probes and scrapes would bury the sale's traces.
const UNTRACED = new Set(['/health', '/metrics']);
const Header = zipkin.HttpHeaders;

/**
 * zipkin-js anchors its clock on a whole-millisecond Date.now() at start, so spans of two processes
 * can be misordered by up to a millisecond; the process's high-resolution time origin is not.
 */
class PreciseTracer extends Tracer {
  override recordAnnotation(
    annotation: zipkin.IAnnotation,
    timestamp: number = Math.round((performance.timeOrigin + performance.now()) * 1000),
  ): void {
    super.recordAnnotation(annotation, timestamp);
  }
}

/** The service's tracer when `zipkinUrl` is set; undefined otherwise, so callers skip tracing with one check. */
export function createTracing(opts: TracingOptions): Tracing | undefined {
  return opts.zipkinUrl ? new Tracing(opts.serviceName, opts.zipkinUrl, opts.sampleRate) : undefined;
}

/**
 * Server spans for a fastify app, client spans for calls out, and child spans for work that came
 * through the Redis relay. Spans leave in batches, once a second, as Zipkin v2 JSON; a collector
 * that fails costs a warning a minute, never a request.
 */
export class Tracing {
  private readonly tracer: zipkin.Tracer;
  private readonly recorder: zipkin.BatchRecorder;
  private readonly logger: PendingSpans;
  /** The server span of the request whose handler is running, for calls made deep inside it. */
  private readonly scope = new AsyncLocalStorage<TraceContext>();
  /** Flushes waiting for their post to the collector to end. */
  private readonly exported: (() => void)[] = [];
  private readonly clients = new Map<string, zipkin.Instrumentation.HttpClient>();
  private warn: (message: string) => void = (message) => console.warn(message);
  private lastWarning = 0;

  constructor(
    readonly serviceName: string,
    zipkinUrl: string,
    sampleRate: number,
  ) {
    const logger = new transport.HttpLogger({
      endpoint: `${zipkinUrl.replace(/\/$/, '')}/api/v2/spans`,
      jsonEncoder: jsonEncoder.JSON_V2,
      log: { error: (message: string) => this.collectorFailed(String(message)) },
    });
    this.logger = logger as unknown as PendingSpans;
    // Failures reach collectorFailed through `log` (an 'error' listener would turn them into events).
    this.logger.on('success', () => this.exportEnded());
    this.recorder = new BatchRecorder({ logger });
    this.tracer = new PreciseTracer({
      ctxImpl: new ExplicitContext(),
      recorder: this.recorder,
      sampler: new sampler.CountingSampler(sampleRate),
      localServiceName: serviceName,
      // A server span of its own under the caller's client span, not one span shared by both.
      supportsJoin: false,
    });
  }

  /** A server span around every request of `app` (but /health and /metrics), kept on `req.trace`. */
  serve(app: FastifyInstance): void {
    const server = new Instrumentation.HttpServer({ tracer: this.tracer, port: 0 });
    this.warn = (message) => app.log.warn(message);
    app.decorateRequest('trace', undefined);
    app.addHook('onRequest', (req, _reply, done) => {
      if (!UNTRACED.has(req.routeOptions.url ?? '')) {
        const headers = req.headers;
        const read = <T>(name: string) => {
          const value = headers[name.toLowerCase()];
          return (typeof value === 'string' ? new option.Some(value) : option.None) as zipkin.option.IOption<T>;
        };
        req.trace = this.tracer.scoped(() => server.recordRequest(req.method, req.url, read));
      }
      // The hooks after this one (a gateway's token check, before the body is read) run in the request's scope.
      if (req.trace) this.scope.run(req.trace, done);
      else done();
    });
    // The handler, and whatever it starts, runs in the request's scope too (body parsing, between
    // the two, continues in the socket's).
    app.addHook('preHandler', (req, _reply, done) => (req.trace ? this.scope.run(req.trace, done) : done()));
    // Closed when the answer is handed over: a caller's span then always ends after this one.
    app.addHook('onSend', (req, reply, payload, done) => {
      const id = req.trace;
      if (id) {
        this.record(id, () => {
          this.tracer.recordRpc(`${req.method} ${req.routeOptions.url ?? 'unknown'}`);
          server.recordResponse(id, String(reply.statusCode));
        });
      }
      done(null, payload);
    });
  }

  /** Runs `send` as a client span under `parent`; `send` gets the B3 headers to add to its request. */
  async client<T extends { status: number }>(parent: TraceContext, call: ClientCall, send: (b3: B3) => Promise<T>): Promise<T> {
    const instrumentation = this.clientFor(call.remoteService);
    const { id, headers } = this.tracer.letId(parent, () => {
      const request = instrumentation.recordRequest<{ headers: B3 }>({ headers: {} }, call.path, call.method);
      return { id: this.tracer.id, headers: request.headers };
    });
    try {
      const response = await send(headers);
      this.tracer.scoped(() => instrumentation.recordResponse(id, String(response.status)));
      return response;
    } catch (err) {
      this.tracer.scoped(() => instrumentation.recordError(id, err instanceof Error ? err : new Error(String(err))));
      throw err;
    }
  }

  /**
   * Records a gRPC call as a client span under the request being handled (see `current`) and hands
   * the span's B3 to the callee in the call's metadata; outside a sampled request it goes untraced.
   */
  async rpc<T>(
    call: { service: string; method: string; metadata: { set(key: string, value: string): void } },
    send: () => Promise<T>,
  ): Promise<T> {
    const parent = this.current;
    if (!parent?.sampled.getOrElse(false)) return send();
    const { value } = await this.client(
      parent,
      { remoteService: call.service, method: 'POST', path: `/${call.service}/${call.method}` },
      async (b3) => {
        // gRPC metadata keys are lower case.
        for (const [key, field] of Object.entries(b3)) call.metadata.set(key.toLowerCase(), field);
        return { status: 200, value: await send() };
      },
    );
    return value;
  }

  /**
   * Starts a span for work done on behalf of a message that carried `carrier` (see `b3Of`): a
   * consumer span, child of the sender's. Undefined when the carrier is unusable or unsampled.
   */
  child(carrier: B3, name: string): ChildSpan | undefined {
    const parent = fromB3(carrier);
    if (!parent || !parent.sampled.getOrElse(false)) return undefined;
    const id = this.open(parent, name, [new Annotation.ConsumerStart()]);
    return {
      context: id,
      finish: (tags = {}) =>
        this.record(id, () => {
          for (const [key, value] of Object.entries(tags)) this.tracer.recordBinary(key, value);
          this.tracer.recordAnnotation(new Annotation.ConsumerStop());
        }),
    };
  }

  /** The server span of the request being handled here, if any. */
  get current(): TraceContext | undefined {
    return this.scope.getStore();
  }

  /** Starts a client span for a call to `remoteService` (redis, mysql...) under `parent`; undefined when unsampled. */
  call(parent: TraceContext, remoteService: string, name: string, tags: Record<string, string> = {}): CallSpan | undefined {
    if (!parent.sampled.getOrElse(false)) return undefined;
    const id = this.open(parent, name, [new Annotation.ClientSend(), new Annotation.ServerAddr({ serviceName: remoteService })], tags);
    return {
      finish: (error) =>
        this.record(id, () => {
          if (error !== undefined) this.tracer.recordBinary('error', error instanceof Error ? error.message : String(error));
          this.tracer.recordAnnotation(new Annotation.ClientRecv());
        }),
    };
  }

  /** Opens a span of this service under `parent`, with its name, tags and opening annotations. */
  private open(parent: TraceContext, name: string, annotations: zipkin.IAnnotation[], tags: Record<string, string> = {}): TraceContext {
    const id = this.tracer.createChildId(parent);
    this.record(id, () => {
      this.tracer.recordServiceName(this.serviceName);
      this.tracer.recordRpc(name);
      for (const [key, value] of Object.entries(tags)) this.tracer.recordBinary(key, value);
      for (const annotation of annotations) this.tracer.recordAnnotation(annotation);
    });
    return id;
  }

  /** Records on the span `id`. */
  private record(id: TraceContext, record: () => void): void {
    this.tracer.scoped(() => {
      this.tracer.setId(id);
      record();
    });
  }

  /**
   * `target` (a MySQL pool, say) whose async `methods` each record a client span to `remoteService`
   * when called within a traced request; outside one they cost one lookup.
   */
  instrument<T extends object>(target: T, remoteService: string, opts: InstrumentOptions): T {
    return this.instrumentWith(target, remoteService, opts, new Set(opts.methods), new Set(opts.wrapResults ?? []));
  }

  /** `instrument`, with its method sets made once for a target and the results it wraps. */
  private instrumentWith<T extends object>(
    target: T,
    remoteService: string,
    opts: InstrumentOptions,
    traced: Set<string>,
    wrapped: Set<string>,
  ): T {
    // One wrapper per method, made at its first use rather than at each call.
    const wrappers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    const wrap = (key: string, method: (...args: unknown[]) => unknown) => {
      if (wrapped.has(key)) {
        return async (...args: unknown[]) =>
          this.instrumentWith((await method.apply(target, args)) as object, remoteService, opts, traced, wrapped);
      }
      return async (...args: unknown[]) => {
        const parent = this.current;
        if (!parent) return method.apply(target, args);
        const { name, tags } = opts.describe(key, args);
        const span = this.call(parent, remoteService, name, tags);
        try {
          const result = await method.apply(target, args);
          span?.finish();
          return result;
        } catch (err) {
          span?.finish(err);
          throw err;
        }
      };
    };
    return new Proxy(target, {
      get: (obj, key, receiver) => {
        const value: unknown = Reflect.get(obj, key, receiver);
        if (typeof key !== 'string' || typeof value !== 'function' || !(traced.has(key) || wrapped.has(key))) return value;
        let wrapper = wrappers.get(key);
        if (!wrapper) wrappers.set(key, (wrapper = wrap(key, value as (...args: unknown[]) => unknown)));
        return wrapper;
      },
    });
  }

  /** Sends the spans still held (on shutdown), waiting for the collector at most `timeoutMs`. */
  async flush(timeoutMs = 2_000): Promise<void> {
    this.recorder.flush();
    if (this.logger.queue.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      this.exported.push(resolve);
      this.logger.processQueue(this.logger.fetchImplementation);
    });
    clearTimeout(timer);
  }

  /** A post to the collector ended, well or not. */
  private exportEnded(): void {
    for (const resolve of this.exported.splice(0)) resolve();
  }

  private clientFor(remoteService: string): zipkin.Instrumentation.HttpClient {
    let client = this.clients.get(remoteService);
    if (!client) {
      client = new Instrumentation.HttpClient({ tracer: this.tracer, remoteServiceName: remoteService });
      this.clients.set(remoteService, client);
    }
    return client;
  }

  private collectorFailed(message: string): void {
    this.exportEnded();
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.warn(`zipkin export failed (further failures quiet for a minute): ${message.slice(0, 200)}`);
  }
}

/** What zipkin-transport-http's HttpLogger holds and does, beyond its typings. */
interface PendingSpans {
  queue: unknown[];
  fetchImplementation: unknown;
  processQueue(fetchImplementation: unknown): void;
  on(event: 'success', listener: () => void): void;
}

/** The B3 fields of a sampled span, to carry in a message; undefined when there is nothing worth carrying. */
export function b3Of(trace: TraceContext | undefined): B3 | undefined {
  if (!trace || !trace.sampled.getOrElse(false)) return undefined;
  const b3: B3 = { [Header.TraceId]: trace.traceId, [Header.SpanId]: trace.spanId, [Header.Sampled]: '1' };
  trace.parentSpanId.ifPresent((parent) => (b3[Header.ParentSpanId] = parent));
  if (trace.isDebug()) b3[Header.Flags] = '1';
  return b3;
}

/** The span a message's B3 fields name, or undefined when they name none. */
export function fromB3(b3: B3): TraceContext | undefined {
  // HTTP headers keep their case here; gRPC metadata keys arrive in lower case.
  const field = (name: string) => b3[name] ?? b3[name.toLowerCase()];
  const traceId = field(Header.TraceId);
  const spanId = field(Header.SpanId);
  if (!traceId || !spanId) return undefined;
  const parent = field(Header.ParentSpanId);
  const sampled = field(Header.Sampled);
  return new TraceId({
    traceId,
    spanId,
    parentId: parent ? new option.Some(parent) : option.None,
    sampled: sampled === undefined ? option.None : new option.Some(sampled === '1' || sampled === 'true'),
    debug: field(Header.Flags) === '1',
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span, when the service traces. */
    trace: TraceContext | undefined;
  }
}
