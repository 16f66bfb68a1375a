import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Zipkin v2 span as the services post it. */
export interface Span {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  remoteEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export interface SpanCollector {
  /** Every span posted so far, in arrival order. */
  spans: Span[];
  url: string;
  close(): void;
}

/** Stands in for Zipkin's collector: keeps whatever is posted to /api/v2/spans. */
export async function spanCollector(): Promise<SpanCollector> {
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/v2/spans') spans.push(...(JSON.parse(Buffer.concat(chunks).toString()) as Span[]));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
