import type { ZkSession } from '@sk/zookeeper';
import { StaticDiscovery } from './static.js';
import type { Discovery } from './types.js';
import { ZookeeperDiscovery } from './zookeeper.js';

export { serviceInstanceSchema, type Discovery, type ServiceInstance, type Balancer } from './types.js';
export { ZookeeperDiscovery } from './zookeeper.js';
export { StaticDiscovery } from './static.js';
export { RoundRobinBalancer } from './balancer.js';

export interface DiscoveryConfig {
  SK_DISCOVERY: 'zookeeper' | 'static' | 'consul';
  SK_STATIC_INSTANCES: string;
  ZK_ROOT: string;
}

/** The backend named by `SK_DISCOVERY`. */
export function createDiscovery(config: DiscoveryConfig, zk: () => ZkSession): Discovery {
  switch (config.SK_DISCOVERY) {
    case 'static':
      return new StaticDiscovery(config.SK_STATIC_INSTANCES);
    case 'zookeeper':
      return new ZookeeperDiscovery(zk(), config.ZK_ROOT);
    case 'consul':
      throw new Error('SK_DISCOVERY=consul is not available yet; use zookeeper or static');
  }
}
