import CircuitBreaker from 'opossum';
import { Gauge, type Registry, type WarnLog } from '@sk/http';

export interface BreakerOptions {
  /** Failures (in % of the requests in the window) above which an instance's breaker opens. */
  errorThresholdPercentage: number;
  /** Requests an instance must have had in the window before its error rate can open it. */
  volumeThreshold: number;
  /** How long a breaker stays open before it lets one probe request through (half-open). */
  resetTimeoutMs: number;
  /** The rolling window the error rate is counted over. */
  windowMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  resetTimeoutMs: 5_000,
  windowMs: 10_000,
};

export type BreakerState = 'closed' | 'half-open' | 'open';

const GAUGE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Makes the circuit breakers of upstream instances, all with the same settings, and reports each
 * state change in the log and in `gateway_breaker_state{service,instance}`.
 */
export class BreakerFactory {
  private readonly gauge: Gauge;

  constructor(
    private readonly opts: BreakerOptions,
    registry: Registry,
    private readonly log: WarnLog,
  ) {
    this.gauge = new Gauge({
      name: 'gateway_breaker_state',
      help: 'Circuit breaker of each upstream instance: 0 closed, 1 half-open, 2 open',
      labelNames: ['service', 'instance'],
      registers: [registry],
      // Over a cluster's workers (each has its own breakers): the most open.
      aggregator: 'max',
    });
  }

  create<A extends unknown[], R>(service: string, instance: string, action: (...args: A) => Promise<R>): CircuitBreaker<A, R> {
    const breaker = new CircuitBreaker(action, {
      // The request itself is bounded (undici's timeouts, longer for the bulk import) and its
      // timeout counts as a failure; opossum's timer would leave the request running.
      timeout: false,
      errorThresholdPercentage: this.opts.errorThresholdPercentage,
      volumeThreshold: this.opts.volumeThreshold,
      resetTimeout: this.opts.resetTimeoutMs,
      rollingCountTimeout: this.opts.windowMs,
      // Nothing reads latency percentiles or snapshots; kept on, each second's snapshot sorts every
      // latency of the window (a hundred thousand at sale rates), a stall of the event loop.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    const labels = { service, instance };
    const report = (state: BreakerState) => {
      this.gauge.set(labels, GAUGE_VALUE[state]);
      this.log.warn({ service, instance, state }, `circuit breaker ${state}`);
    };
    this.gauge.set(labels, GAUGE_VALUE.closed);
    breaker.on('open', () => report('open'));
    breaker.on('halfOpen', () => report('half-open'));
    breaker.on('close', () => report('closed'));
    breaker.on('shutdown', () => this.gauge.remove(labels));
    return breaker;
  }
}
