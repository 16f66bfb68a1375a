export { RpcClient, RpcError, NO_TRACING, type RpcClientOptions, type RpcCall, type RpcTracer, type BreakerMaker, type Send, type Outcome } from './client.js';
export { authServiceDefinition, checkTokenOver } from './auth.js';
