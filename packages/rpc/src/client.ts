import * as grpc from '@grpc/grpc-js';
import type CircuitBreaker from 'opossum';
import {
  InstanceResources,
  SmoothWeightedBalancer,
  breakerAdmits,
  type Balancer,
  type Discovery,
  type ServiceInstance,
} from '@sk/discovery';

/** One outgoing call as the tracing hook sees it; it may add headers (e.g. B3) to `metadata`. */
export interface RpcCall {
  service: string;
  method: string;
  metadata: grpc.Metadata;
}

/**
 * Wraps every call, retries included: where tracing records a client span, under the caller's
 * (the request being handled), and propagates its context.
 */
export interface RpcTracer {
  trace<T>(call: RpcCall, send: () => Promise<T>): Promise<T>;
}

const NO_TRACING: RpcTracer = { trace: (_call, send) => send() };

/** A call sent over one instance's channel: rejects only for failures that count against that instance. */
export type Send = (client: grpc.Client) => Promise<Outcome>;
export type Outcome = { ok: true; value: unknown } | { ok: false; error: grpc.ServiceError };

/** Wraps `action` (which sends a call to `instance`) in that instance's circuit breaker. */
export type BreakerMaker = (instance: ServiceInstance, action: (send: Send) => Promise<Outcome>) => CircuitBreaker<[Send], Outcome>;

export interface RpcClientOptions {
  /** The service in discovery; only its instances that announce a gRPC port are called. */
  service: string;
  /** The gRPC service (from @grpc/proto-loader), by method name. */
  definition: grpc.ServiceDefinition;
  discovery: Discovery;
  /** A circuit breaker for each instance, around `attempt` (opossum; its own timeout off: the deadline bounds a call). */
  breaker: BreakerMaker;
  /** Bound on a whole call, a retry on another instance included. */
  deadlineMs: number;
  balancer?: Balancer;
  tracer?: RpcTracer;
}

/** The call itself failed; `code` is the gRPC status when an instance answered or timed out. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
  ) {
    super(message);
  }
}

// The instance (or the way to it) failed, not the request: these count against its breaker.
const INSTANCE_FAILURES = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.DATA_LOSS,
]);

interface Channel {
  instance: ServiceInstance;
  client: grpc.Client;
  breaker: CircuitBreaker<[Send], Outcome>;
}

function addressOf(instance: ServiceInstance): string {
  const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
  return `${host}:${instance.grpcPort}`;
}

/**
 * The reference's RPC client decorator: tracing hook → per-instance breaker → discovery →
 * balancing → the unary call with a deadline. Each instance is reached over one channel kept
 * open (HTTP/2 multiplexes the calls); channels and breakers of instances that left discovery are
 * closed. A call an instance could not take (UNAVAILABLE, or its breaker just opened) is tried
 * once more on another instance within the same deadline: only for idempotent methods.
 */
export class RpcClient {
  private readonly channels: InstanceResources<Channel>;
  private readonly tracer: RpcTracer;

  constructor(private readonly opts: RpcClientOptions) {
    this.tracer = opts.tracer ?? NO_TRACING;
    this.channels = new InstanceResources(opts.discovery, opts.balancer ?? new SmoothWeightedBalancer(), opts.service, {
      key: addressOf,
      reachable: (instance) => instance.grpcPort !== undefined,
      make: (instance) => {
        const client = new grpc.Client(addressOf(instance), grpc.credentials.createInsecure());
        return { instance, client, breaker: opts.breaker(instance, (send) => send(client)) };
      },
      retire: ({ client, breaker }) => {
        breaker.shutdown();
        client.close();
      },
      admits: ({ breaker }) => breakerAdmits(breaker),
    });
  }

  /** Starts following the service in discovery; resolves once its instances were read once. */
  watch(): Promise<void> {
    return this.opts.discovery.watch(this.opts.service);
  }

  /** Calls `method` on an instance; rejects with RpcError (UNAVAILABLE when no instance could take it). */
  call<Res>(method: string, request: unknown): Promise<Res> {
    const { service, definition } = this.opts;
    const def = definition[method];
    if (!def) throw new Error(`${service} has no method ${method}`);
    const metadata = new grpc.Metadata();
    return this.tracer.trace({ service, method, metadata }, async () => {
      const deadline = new Date(Date.now() + this.opts.deadlineMs);
      const send: Send = (client) =>
        new Promise((resolve, reject) =>
          client.makeUnaryRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            request,
            metadata,
            { deadline },
            (error, value) => {
              if (!error) resolve({ ok: true, value });
              else if (INSTANCE_FAILURES.has(error.code)) reject(error);
              else resolve({ ok: false, error });
            },
          ),
        );
      const outcome = await this.send(send, deadline);
      if (!outcome.ok) throw new RpcError(outcome.error.details || outcome.error.message, outcome.error.code);
      return outcome.value as Res;
    });
  }

  /** Closes every channel; calls in flight fail. */
  close(): void {
    void this.channels.close();
  }

  private async send(send: Send, deadline: Date): Promise<Outcome> {
    let tried: ServiceInstance | undefined;
    for (;;) {
      const channel = this.channels.pick(tried);
      if (!channel) throw new RpcError(`no ${this.opts.service} instance available`, grpc.status.UNAVAILABLE);
      try {
        return await channel.breaker.fire(send);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        // Opossum's own refusal (the breaker opened meanwhile) has a string code.
        const notTaken = code === grpc.status.UNAVAILABLE || code === 'EOPENBREAKER';
        if (tried || !notTaken || Date.now() >= deadline.getTime()) {
          throw new RpcError((err as Error).message, typeof code === 'number' ? code : grpc.status.UNAVAILABLE);
        }
        tried = channel.instance;
      }
    }
  }
}
