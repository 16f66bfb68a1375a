export {
  createTracing,
  b3Of,
  fromB3,
  Tracing,
  type B3,
  type CallSpan,
  type ChildSpan,
  type InstrumentOptions,
  type ClientCall,
  type TraceContext,
  type TracingOptions,
} from './tracing.js';
