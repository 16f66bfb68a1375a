/** Business and system codes of the public contract (CONTRACT §2), with their HTTP status. */
export const Codes = {
  OK: { code: 0, status: 200, message: 'ok' },
  BUSY: { code: 1001, status: 503, message: 'service busy' },
  SECKILL_SUCCESS: { code: 1002, status: 200, message: 'seckill success' },
  NOT_FOUND: { code: 1003, status: 404, message: 'not found' },
  SOLD_OUT: { code: 1004, status: 410, message: 'sold out' },
  NOT_PICKED: { code: 1005, status: 409, message: 'not picked this time, retry' },
  BUY_LIMIT: { code: 1006, status: 409, message: 'buy limit reached' },
  INVALID_REQUEST: { code: 1101, status: 400, message: 'invalid request' },
  UNAUTHORIZED: { code: 1103, status: 401, message: 'missing, invalid or expired access token' },
  RATE_LIMITED: { code: 1104, status: 429, message: 'rate limited' },
  NOT_STARTED: { code: 1105, status: 425, message: 'activity not started' },
  ENDED: { code: 1106, status: 410, message: 'activity ended' },
  DISABLED: { code: 1107, status: 403, message: 'activity disabled' },
  TIMEOUT: { code: 1108, status: 504, message: 'processing timeout, ask /sec/result' },
  BLACKLISTED: { code: 1109, status: 403, message: 'blacklisted' },
  BAD_SIGNATURE: { code: 1110, status: 403, message: 'signature invalid, stale sec_time or reused nonce' },
  UPSTREAM_UNAVAILABLE: { code: 1111, status: 503, message: 'upstream unavailable' },
  FORBIDDEN: { code: 1112, status: 403, message: 'not allowed' },
  ORDER_CLOSED: { code: 1113, status: 410, message: 'order expired or cancelled: it can no longer be paid' },
  ORDER_PAID: { code: 1114, status: 409, message: 'order already paid: it can no longer be cancelled' },
} as const;

export type CodeName = keyof typeof Codes;
export type CodeInfo = (typeof Codes)[CodeName];

const byNumber = new Map<number, CodeInfo>(Object.values(Codes).map((c) => [c.code, c]));

/** The contract entry for a numeric code (for answers relayed from another service). */
export function codeInfo(code: number): CodeInfo | undefined {
  return byNumber.get(code);
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A refusal or failure that maps to one contract code; thrown anywhere, answered by the error
 * handler. Refusals are the common answer under a crowd, so no stack trace is captured.
 */
export class SkError extends Error {
  readonly info: CodeInfo;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(info: CodeInfo, message: string = info.message, errors?: FieldError[], headers?: Record<string, string>) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'SkError';
    this.info = info;
    this.errors = errors;
    this.headers = headers;
  }

  static invalid(errors: FieldError[]): SkError {
    return new SkError(Codes.INVALID_REQUEST, Codes.INVALID_REQUEST.message, errors);
  }
}

export function envelope<E extends Record<string, unknown> = Record<never, never>>(
  info: CodeInfo,
  extra: E = {} as E,
  message: string = info.message,
) {
  return { code: info.code, message, ...extra };
}
