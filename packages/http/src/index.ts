// The request fields it adds (answerCode, route, logAnswer) are part of every service's request type.
import './answer-code.js';
// The contract's codes are @sk/codes' (packages that need nothing else of HTTP depend on it alone); here for the services.
export { Codes, SkError, codeInfo, envelope, type CodeInfo, type CodeName, type FieldError } from '@sk/codes';
export {
  answerForError,
  bodyFieldErrors,
  createLogger,
  createService,
  BODY_LIMIT,
  CONNECTION_LIMITS,
  REDACT,
  type ErrorAnswer,
  type ServiceDeps,
  type ServiceOptions,
  type SkFastify,
  type WarnLog,
} from './server.js';
export { GatewaySeal, type SealedFields } from './gateway-seal.js';
export { KeyedMac } from './keyed-mac.js';
export { exitOnCrash, listenAndServe } from './lifecycle.js';
export { ConnectionBalancer, serveHandedConnections } from './cluster-connections.js';
export { connectionMetrics } from './metrics.js';
export { serveClusterMetrics } from './cluster-metrics.js';
export type { FastifyPluginAsyncZod as SkPlugin } from 'fastify-type-provider-zod';
export { jsonSchemaTransform } from 'fastify-type-provider-zod';
export { Registry, Counter, Gauge, Histogram } from 'prom-client';
