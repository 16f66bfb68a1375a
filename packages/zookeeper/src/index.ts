export { ZkSession, CreateMode, Exception, isCode, ZK_TRACED_CALLS, type ZkOptions, type ZkNode } from './session.js';
export { ChildrenCache } from './children-cache.js';
