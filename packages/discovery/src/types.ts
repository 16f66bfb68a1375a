import { z } from 'zod';

/**
 * The most weight a registration is believed to claim: whoever writes to the registry picks its
 * own, and one `auth` instance at weight 1e9 would get every login. Capped, it gets at most 100
 * turns to each real instance's weight; keeping it out is the registry's job (no published Consul
 * port). 100 still lets instances of very different sizes be weighted apart.
 */
export const MAX_WEIGHT = 100;

/** An instance as read from the registry (Consul, ZooKeeper), its weight capped at MAX_WEIGHT. */
export const serviceInstanceSchema = z.object({
  id: z.string().min(1),
  service: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().positive(),
  grpcPort: z.number().int().positive().optional(),
  weight: z
    .number()
    .int()
    .positive()
    .transform((weight) => Math.min(weight, MAX_WEIGHT))
    .default(1),
});
export type ServiceInstance = z.output<typeof serviceInstanceSchema>;

/** Where instances announce themselves and find each other; one backend per deployment. */
export interface Discovery {
  /** Announces this instance until `close`, re-announcing after a lost session. */
  register(instance: ServiceInstance): Promise<void>;
  /** The current instances of `service`, from a cache kept fresh by the backend. */
  instances(service: string): readonly ServiceInstance[];
  /** Starts watching `service` and resolves once its instances were read at least once. */
  watch(service: string): Promise<void>;
  /** Whether the backend is reachable now (for `/health` and metrics). */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** Picks one instance per call; issue-specific policies (weights, breakers) plug in here. */
export interface Balancer {
  /**
   * One of `instances` (the service's whole current list, so state can follow it) for which
   * `usable` holds, e.g. one whose circuit breaker lets requests through; undefined when none does.
   */
  pick(
    service: string,
    instances: readonly ServiceInstance[],
    usable?: (instance: ServiceInstance) => boolean,
  ): ServiceInstance | undefined;
}
