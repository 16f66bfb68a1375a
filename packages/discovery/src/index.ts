import type { ZkSession } from '@sk/zookeeper';
import { ConsulDiscovery } from './consul.js';
import { StaticDiscovery } from './static.js';
import type { Discovery } from './types.js';
import { ZookeeperDiscovery } from './zookeeper.js';

export { MAX_WEIGHT, serviceInstanceSchema, type Discovery, type ServiceInstance, type Balancer } from './types.js';
export { ZookeeperDiscovery } from './zookeeper.js';
export { StaticDiscovery } from './static.js';
export { ConsulDiscovery, type ConsulDiscoveryOptions } from './consul.js';
export { SmoothWeightedBalancer } from './balancer.js';
export { InstanceResources, breakerAdmits, type InstanceResource, type InstanceResourceOptions } from './instance-resources.js';

export interface DiscoveryConfig {
  SK_DISCOVERY: 'zookeeper' | 'static' | 'consul';
  SK_STATIC_INSTANCES: string;
  ZK_ROOT: string;
  /** The Consul agent; by default the local one, where Consul expects every node to run it. */
  CONSUL_URL?: string | undefined;
}

/** The backend named by `SK_DISCOVERY`. */
export function createDiscovery(config: DiscoveryConfig, zk: () => ZkSession): Discovery {
  switch (config.SK_DISCOVERY) {
    case 'static':
      return new StaticDiscovery(config.SK_STATIC_INSTANCES);
    case 'zookeeper':
      return new ZookeeperDiscovery(zk(), config.ZK_ROOT);
    case 'consul':
      return new ConsulDiscovery(config.CONSUL_URL ?? 'http://127.0.0.1:8500');
  }
}
