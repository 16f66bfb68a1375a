import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

// A worker asks the primary for the whole cluster's metrics; the primary gathers every worker's
// registry (prom-client's own messages) and answers the one that asked.
const ASK = 'sk:cluster-metrics?';
const ANSWER = 'sk:cluster-metrics';

interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isAnswer = (m: unknown): m is Answer => (m as Answer | null)?.type === ANSWER;

/**
 * In a cluster worker: hands `registry` to the primary's collections, and returns what `/metrics`
 * serves, the sum over all workers (each scrape lands on one worker, which alone would show its
 * own share of the counters).
 */
export function clusterWorkerMetrics(registry: Registry, timeoutMs = 6_000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one adds prom-client's listener that answers the primary's collection requests.
  new AggregatorRegistry();
  const pending = new Map<number, (answer: Answer) => void>();
  let nextId = 0;
  process.on('message', (message) => {
    if (isAnswer(message)) pending.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      // Longer than the primary's own bound on gathering (5 s), which answers with its error.
      const timer = setTimeout(() => settle({ type: ANSWER, id, error: 'the primary did not answer' }), timeoutMs);
      const settle = (answer: Answer) => {
        clearTimeout(timer);
        pending.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`cluster metrics: ${answer.error ?? 'no answer'}`));
      };
      pending.set(id, settle);
      process.send!({ type: ASK, id });
    });
}

/** In the cluster's primary: answers each worker's request for the whole cluster's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, text }),
      (err: Error) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, error: err.message }),
    );
  });
}
