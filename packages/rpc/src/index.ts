export {
  RpcClient,
  RpcError,
  type RpcClientOptions,
  type RpcCall,
  type RpcTracer,
  type BreakerMaker,
  type Send,
  type Outcome,
} from './client.js';
export {
  CheckAnswerSeal,
  UnsealedAnswerError,
  authServiceDefinition,
  checkTokenOver,
  type CheckTokenRequest,
  type CheckTokenResponse,
} from './auth.js';
