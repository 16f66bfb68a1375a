// Percent-encodings that spell a character a path can hold as it is (RFC 3986's unreserved ones),
// a slash or a percent sign: another spelling of a path that its plain form reaches.
const NEEDLESS_ESCAPE = /%(?:2[dDeEfF5]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

/**
 * Why a request target is not in its one canonical form, or undefined when it is. The gateway
 * judges each request by its path (limits, access, where it goes) while routers and upstreams
 * decode it: only a path that decoding cannot turn into another one is let through, so every rule
 * sees what the upstream will.
 */
export function nonCanonical(target: string): string | undefined {
  if (!target.startsWith('/')) return 'the request target must be a path (origin form), not an absolute URL';
  const path = target.split('?', 1)[0]!;
  if (path.includes('//')) return 'empty path segment';
  if (path.includes('\\')) return 'backslash in path';
  if (NEEDLESS_ESCAPE.test(path)) return 'percent-encoded character that needs no encoding (or a double encoding)';
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'malformed percent-encoding';
  }
  if (DOT_SEGMENT.test(decoded)) return 'dot segment in path';
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return 'control character in path';
  return undefined;
}
