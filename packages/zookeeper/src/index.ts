export { ZkSession, CreateMode, Exception, isCode, type ZkOptions, type ZkNode } from './session.js';
export { ChildrenCache } from './children-cache.js';
