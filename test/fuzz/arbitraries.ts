import fc from 'fast-check';

/**
 * Generators of hostile HTTP requests for the route fuzz tests: each request aims at a route of
 * the service (its method, its path with parameters filled in, its query and body fields) and
 * bends some of it (another method, an odd segment, a wrong type, a huge number, unicode, deep
 * nesting, prototype keys, a body too large, a broken one), so most reach validation and handlers
 * rather than only the router's 404.
 */

/** One request as a client could send it: the body as its exact text. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  remoteAddress?: string;
}

/** JSON text written as is: numbers `JSON.stringify` cannot write (`1e400`, 30 digits, `-0`). */
class Raw {
  constructor(readonly text: string) {}
}

/** A JSON object as its entries, so a body can hold any key (`__proto__`, twice the same) in any order. */
export class Obj {
  constructor(readonly entries: readonly (readonly [string, Json])[]) {}
}

export type Json = null | boolean | number | string | Raw | Obj | readonly Json[];

export const obj = (fields: Record<string, Json>): Obj => new Obj(Object.entries(fields));

export function render(value: Json): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(render).join(',')}]`;
  return JSON.stringify(value);
}

/** Keys that poison or confuse a plain object. */
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', '__defineGetter__'];

const ODD_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  'true',
  'null',
  '\u0000',
  '\ud800',
  'é',
  'e\u0301',
  '𝕏',
  '日本語',
  '🏳️‍🌈',
  '\u202eevil',
  '\ufeff',
  "' OR '1'='1",
  '"; DROP TABLE products; --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '${7*7}',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '10000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T00:00:00+99:99',
  '127.0.0.1',
  '::ffff:127.0.0.1',
  ...PROTO_KEYS,
];

/** Numbers at and past every edge: of int32, uint32, doubles, safe integers, MySQL's BIGINT, and JSON itself. */
const ODD_NUMBERS: Json[] = [
  0,
  -1,
  1.5,
  -0.000001,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 63,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  ...[
    '1e400',
    '-1e400',
    '-0',
    '1E+2',
    '1.0',
    '9007199254740993',
    '18446744073709551616',
    '-9223372036854775809',
    '123456789012345678901234567890',
    '0.000000000000000000000000000001',
  ].map((t) => new Raw(t)),
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 5_000 }).map((n) => 'x'.repeat(n)) },
);

const oddScalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false),
  fc.constantFrom(...ODD_NUMBERS),
  fc.integer(),
  fc.double(),
  oddString,
);

const oddKey = fc.oneof(fc.constantFrom(...PROTO_KEYS), oddString);

/** Any JSON, a few levels deep, with odd keys and values. */
const oddJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    oddScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(oddKey, tie('value')), { maxLength: 4 }).map((entries) => new Obj(entries)),
  ),
})).value;

/**
 * A body shaped like `fields` (each a generator of good values): most fields good, some odd or
 * missing, sometimes extra prototype keys, sometimes the whole body of another type.
 */
export function shaped(fields: Record<string, fc.Arbitrary<Json>>): fc.Arbitrary<Json> {
  const field = (good: fc.Arbitrary<Json>) =>
    fc.oneof(
      { weight: 16, arbitrary: good.map((v) => ({ v })) },
      { weight: 1, arbitrary: oddJson.map((v) => ({ v })) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(oddKey, oddJson), { minLength: 1, maxLength: 2 }) },
  );
  const body = fc
    .tuple(fc.record(Object.fromEntries(Object.entries(fields).map(([k, good]) => [k, field(good)]))), extras)
    .map(([record, extra]) => new Obj([...Object.entries(record).flatMap(([k, slot]) => (slot ? [[k, slot.v] as const] : [])), ...extra]));
  return fc.oneof({ weight: 12, arbitrary: body }, { weight: 1, arbitrary: body.map((b) => [b]) }, { weight: 1, arbitrary: oddScalar });
}

/** A body and the content type it is sent as (none: no header). */
interface Body {
  contentType: string | undefined;
  text: string;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8'];
const OTHER_TYPES = [
  undefined,
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'text/plain',
  'text/csv',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json, text/html',
  ';;;',
];

const MALFORMED = [
  '{',
  '{"a":',
  '[1,2',
  '{"a" 1}',
  "{'a':1}",
  'undefined',
  'NaN',
  '{"a":1}}',
  '{"a":1,}',
  '[,]',
  '\ufeff{}',
  '\u0000',
  '"',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
];

/** 16 KiB, the contract's body limit. */
export const BODY_LIMIT = 16 * 1024;

const deep = fc.oneof(
  fc.integer({ min: 100, max: 8_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 100, max: 2_700 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);
const huge = fc.integer({ min: BODY_LIMIT + 1, max: 3 * BODY_LIMIT }).map((n) => `{"name":"${'x'.repeat(n)}"}`);
/** Percent-encoded; a lone surrogate, which no UTF-8 can hold, as U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/gu, '\ufffd'));
const form = fc
  .array(fc.tuple(oddKey, oddString), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));

/** A body for a route whose good bodies `shape` makes (none: a route that takes no body). */
function bodyOf(shape: fc.Arbitrary<Json> | undefined): fc.Arbitrary<Body | undefined> {
  const asJson = (json: fc.Arbitrary<Json>) =>
    fc.tuple(fc.constantFrom(...JSON_TYPES), json).map(([contentType, value]): Body => ({ contentType, text: render(value) }));
  const text = (t: fc.Arbitrary<string>, type: fc.Arbitrary<string | undefined> = fc.constantFrom(...JSON_TYPES)) =>
    fc.tuple(type, t).map(([contentType, value]): Body => ({ contentType, text: value }));
  return fc.oneof(
    { weight: shape ? 16 : 1, arbitrary: shape ? asJson(shape) : fc.constant(undefined) },
    { weight: shape ? 1 : 16, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: asJson(oddJson) },
    { weight: 1, arbitrary: text(fc.oneof(fc.constantFrom(...MALFORMED), fc.string({ unit: 'binary', maxLength: 40 }))) },
    { weight: 1, arbitrary: text(deep) },
    { weight: 1, arbitrary: text(huge) },
    { weight: 1, arbitrary: text(fc.constant('')) },
    { weight: 1, arbitrary: text(form, fc.constant('application/x-www-form-urlencoded')) },
    { weight: 1, arbitrary: text(shape ? shape.map(render) : fc.constant('{}'), fc.constantFrom(...OTHER_TYPES)) },
  );
}

/** A path segment a client could send in place of a parameter (percent-encoded where a URL needs it). */
export const oddSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '0',
    '-1',
    '1e3',
    '%207',
    '0x1',
    '1.5',
    '9'.repeat(15),
    '9'.repeat(16),
    '9'.repeat(300),
    '00001',
    '%00',
    '%2F',
    '%25',
    '%F0%9F%98%80',
    '%E0%A4%A',
    '%C0%AF',
    'null',
    'NaN',
    'Infinity',
    '__proto__',
    'constructor',
    '~',
    '%D9%A1%D9%A2',
    '::1',
    '1.2.3.4',
    '::ffff:1.2.3.4',
    '256.1.1.1',
    'fe80::1%25eth0',
    '1-1',
    '0-1',
    '1-0',
    '999999999999999-9999999999999999',
    '9999999999999999-1',
  ),
  fc.nat().map(String),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
);

/** How a well-formed path is bent. */
const PATH_BENDS = [
  'trailing-slash',
  'upper-case',
  'extra-segment',
  'encoded-slash',
  'parent',
  'semicolon',
  'drop-last',
  'unicode-segment',
  'nul',
] as const;

function bend(path: string, how: (typeof PATH_BENDS)[number]): string {
  switch (how) {
    case 'trailing-slash':
      return `${path}/`;
    case 'upper-case':
      return path.toUpperCase();
    case 'extra-segment':
      return `${path}/x`;
    case 'encoded-slash':
      return path.replaceAll('/', '%2F').replace(/^%2F/, '/');
    case 'parent':
      return `${path}/..`;
    case 'semicolon':
      return `${path};jsessionid=1`;
    case 'drop-last':
      return path.slice(0, path.lastIndexOf('/')) || '/';
    case 'unicode-segment':
      return `${path}/${encodeURIComponent('𝕏é')}`;
    case 'nul':
      return `${path}%00`;
  }
}

/** A route of a service, as the fuzz aims at it. */
export interface Route {
  method: string;
  /** With `:name` placeholders, filled from `params` (or with odd segments). */
  path: string;
  params?: Record<string, fc.Arbitrary<string>>;
  /** Its query fields, each with good values; odd values and other keys are mixed in. */
  query?: Record<string, fc.Arbitrary<string>>;
  /** Good bodies; odd ones are mixed in. */
  body?: fc.Arbitrary<Json>;
}

// QUERY (RFC 10008) and TRACE as fastify knows them; PROPFIND as a method it does not.
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'QUERY', 'TRACE', 'PROPFIND'];

function pathOf(route: Route): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const param = (name: string) => {
    const good = route.params?.[name];
    return good ? fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: oddSegment }) : oddSegment;
  };
  const filled = fc
    .tuple(...names.map(param))
    .map((values) => names.reduce((path, name, i) => path.replace(`:${name}`, values[i]!), route.path));
  return fc.oneof(
    { weight: 8, arbitrary: filled },
    { weight: 1, arbitrary: fc.tuple(filled, fc.constantFrom(...PATH_BENDS)).map(([p, how]) => bend(p, how)) },
  );
}

const queryPart = (key: string, value: string) => `${encode(key)}=${encode(value)}`;

function queryOf(route: Route): fc.Arbitrary<string> {
  const fields = Object.entries(route.query ?? {});
  // Each known field there three times in four, good three times in four.
  const known = fc
    .tuple(
      ...fields.map(([key, good]) =>
        fc.option(
          fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: oddString }).map((v) => queryPart(key, v)),
          { nil: undefined, freq: 4 },
        ),
      ),
    )
    .map((parts) => parts.filter((p): p is string => p !== undefined));
  const junk = fc.array(
    fc.oneof(
      fc.tuple(oddKey, oddString).map(([k, v]) => queryPart(k, v)),
      fc.constantFrom('__proto__[x]=1', 'constructor[prototype][x]=1', 'a[]=1&a[]=2', '&&', '=', '%', '%zz=1', 'x=%E0%A4%A'),
    ),
    { maxLength: 2 },
  );
  // Every known key twice, sometimes: `?limit=1&limit=2`.
  const twice = fc.boolean();
  return fc.tuple(known, junk, twice).map(([k, j, dup]) => {
    const parts = [...k, ...(dup ? k : []), ...j];
    return parts.length ? `?${parts.join('&')}` : '';
  });
}

const HEADER_NAMES = [
  'x-forwarded-for',
  'x-real-ip',
  'x-request-id',
  'cookie',
  'origin',
  'accept-encoding',
  'accept-language',
  'if-none-match',
  'range',
  'x-sk-client-ip',
  'x-sk-user-id',
  'x-sk-roles',
  'x-sk-gateway',
  'x-payment-signature',
  'b3',
  'x-b3-traceid',
  'x-b3-sampled',
  'traceparent',
  '__proto__',
  'constructor',
];
// What a header value may hold on the wire (RFC 9110 field-value: visible ASCII, space, tab, obs-text).
const headerValue = fc.oneof(
  fc.constantFrom('', '1', '127.0.0.1', '::1', '1.2.3.4, 5.6.7.8', 'not an ip', '9'.repeat(100), '0-0-0', 'admin', 'x'.repeat(9_000)),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
);
const ACCEPTS = ['application/json', 'text/csv', '*/*', 'text/html', 'text/csv, application/json', 'garbage;;;q=x', ''];

export interface RequestSpace {
  routes: Route[];
  /** `Authorization` values: valid tokens (weighted up, to get past the 401 wall) and broken ones; undefined: none. */
  authorization: fc.Arbitrary<string | undefined>;
  /** Peers the requests come from; loopback when absent. */
  remoteAddress?: fc.Arbitrary<string | undefined>;
}

/** Requests at the routes of a service: mostly well aimed, each bent somewhere. */
export function requests(space: RequestSpace): fc.Arbitrary<FuzzRequest> {
  // Routes that take a body have more to validate and change: they get more of the requests.
  const route = fc.oneof(...space.routes.map((r) => ({ weight: r.body ? 3 : 1, arbitrary: fc.constant(r) })));
  const aimed = route.chain((route) =>
    fc.record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      path: pathOf(route),
      query: fc.oneof({ weight: route.query ? 1 : 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: queryOf(route) }),
      body: bodyOf(route.body),
      authorization: space.authorization,
      accept: fc.option(fc.constantFrom(...ACCEPTS), { nil: undefined }),
      extra: fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 3 }) },
      ),
      remoteAddress: space.remoteAddress ?? fc.constant(undefined),
    }),
  );
  return aimed.map(({ method, path, query, body, authorization, accept, extra, remoteAddress }) => {
    const headers: Record<string, string> = Object.fromEntries(extra);
    if (authorization !== undefined) headers.authorization = authorization;
    if (accept !== undefined) headers.accept = accept;
    if (body?.contentType !== undefined) headers['content-type'] = body.contentType;
    return shown({
      method,
      url: path + query,
      headers,
      ...(body ? { body: body.text } : {}),
      ...(remoteAddress !== undefined ? { remoteAddress } : {}),
    });
  });
}

/** `req`, printed by fast-check with a long body cut short (a failure's report stays readable). */
export function shown(req: FuzzRequest): FuzzRequest {
  const print = () => {
    const body = req.body !== undefined && req.body.length > 1_000 ? `${req.body.slice(0, 200)}… (${req.body.length} chars)` : req.body;
    return JSON.stringify({ ...req, body });
  };
  return Object.defineProperty(req, fc.toStringMethod, { value: print });
}

/** Authorization header values that are no valid token, each in its own way. */
export const brokenAuthorizations: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    '',
    'Bearer',
    'Bearer ',
    'Bearer abc.def.ghi',
    'Basic YWRtaW46YWRtaW4xMjM=',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZXMiOlsiYWRtaW4iXX0.',
    `Bearer ${'a'.repeat(9_000)}`,
  ),
  headerValue.map((v) => `Bearer ${v}`),
);

/** Valid `values` mostly, broken ones otherwise. */
export function authorizations(...values: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: brokenAuthorizations });
}

/** Good values of common fields. */
export const good = {
  id: (ids: readonly number[]) =>
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }),
  idText: (ids: readonly number[]) => good.id(ids).map(String),
  name: fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    fc.constantFrom('Phone', '手机', 'x'.repeat(200), ' padded '),
  ),
  /** ISO-8601 or unix seconds, from `fromS` to `toS` seconds from now. */
  instant: (fromS: number, toS: number) =>
    fc.integer({ min: fromS, max: toS }).chain((offsetS) => {
      const s = Math.floor(Date.now() / 1000) + offsetS;
      return fc.constantFrom<Json>(s, new Date(s * 1000).toISOString(), new Date(s * 1000).toISOString().replace('Z', '+08:00'));
    }),
  ip: fc.oneof(fc.ipV4(), fc.ipV6()),
};
