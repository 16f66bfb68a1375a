import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const ENVELOPE_HEAD = '{"code":';

/**
 * Notes on each request the envelope code it was answered with (1002, 1004...), read off the
 * serialized answer as it leaves, and its route, for the request counters; then tells `answered`
 * (the request log), in the same hook, unless the request is one of a crowd (`logAnswer` false).
 */
export function installAnswerCode(app: FastifyInstance, answered?: (req: FastifyRequest, reply: FastifyReply) => void): void {
  app.decorateRequest('answerCode', undefined);
  app.decorateRequest('route', undefined);
  app.decorateRequest('logAnswer', true);
  app.addHook('onSend', (req, reply, payload, done) => {
    req.answerCode = envelopeCode(payload);
    // Read once: fastify builds a new object of all the route's options at each read.
    req.route = req.routeOptions.url;
    if (req.logAnswer) answered?.(req, reply);
    done(null, payload);
  });
}

/** The envelope's code, which leads its JSON (`{"code":1002,...`): read from the first bytes, not parsed. */
function envelopeCode(payload: unknown): number | undefined {
  const head = typeof payload === 'string' ? payload.slice(0, 16) : Buffer.isBuffer(payload) ? payload.toString('latin1', 0, 16) : '';
  if (!head.startsWith(ENVELOPE_HEAD)) return undefined;
  const code = Number.parseInt(head.slice(ENVELOPE_HEAD.length), 10);
  return Number.isNaN(code) ? undefined : code;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The envelope code of the answer, once it is sent; undefined for answers without one. */
    answerCode: number | undefined;
    /** The matched route's pattern (`/sec/*`), once the answer is sent; undefined when none matched. */
    route: string | undefined;
    /**
     * False for an answer given from memory to a crowd (the gateway's sold-out answers): counted
     * by the metrics like any other, but summed up in the log instead of a line each.
     */
    logAnswer: boolean;
  }
}
