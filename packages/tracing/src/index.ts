export { createTracing, b3Of, fromB3, Tracing, type B3, type ChildSpan, type ClientCall, type TraceContext, type TracingOptions } from './tracing.js';
