import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

// A worker asks the primary for the whole cluster's metrics (ASK → ANSWER); the primary collects
// the registry of every worker that serves (COLLECT → COLLECTED) and sums them up.
const ASK = 'sk:cluster-metrics?';
const ANSWER = 'sk:cluster-metrics';
const COLLECT = 'sk:worker-metrics?';
const COLLECTED = 'sk:worker-metrics';

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

interface Message {
  type?: string;
  id?: number;
  text?: string;
  metrics?: WorkerMetrics;
  error?: string;
}

/** Bound on collecting every worker's registry; the asking worker waits a little longer. */
const COLLECT_WITHIN_MS = 5_000;

/**
 * Requests sent over IPC, each settled by the message that carries its id (or by its timeout):
 * what a worker waits for from the primary, and the primary from each worker.
 */
class PendingReplies {
  private readonly pending = new Map<number, (message: Message) => void>();
  private nextId = 0;

  ask(send: (id: number) => void, timeoutMs: number): Promise<Message> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => settle({ id, error: 'no answer in time' }), timeoutMs);
      const settle = (message: Message) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(message);
      };
      this.pending.set(id, settle);
      send(id);
    });
  }

  settle(message: Message): void {
    if (message.id !== undefined) this.pending.get(message.id)?.(message);
  }
}

/**
 * In a cluster worker: answers the primary's collections with `registry`, and returns what
 * `/metrics` serves, the sum over all workers (each scrape lands on one worker, which alone would
 * show its own share of the counters).
 */
export function clusterWorkerMetrics(registry: Registry): () => Promise<string> {
  const answers = new PendingReplies();
  process.on('message', (message: Message) => {
    if (message?.type === ANSWER) answers.settle(message);
    else if (message?.type === COLLECT) {
      registry.getMetricsAsJSON().then(
        (metrics) => process.send!({ type: COLLECTED, id: message.id, metrics }),
        (err: Error) => process.send!({ type: COLLECTED, id: message.id, error: err.message }),
      );
    }
  });
  return async () => {
    const answer = await answers.ask((id) => process.send!({ type: ASK, id }), COLLECT_WITHIN_MS + 1_000);
    if (answer.text === undefined) throw new Error(`cluster metrics: ${answer.error ?? 'no answer'}`);
    return answer.text;
  };
}

/**
 * In the cluster's primary: answers each worker's request for the whole cluster's metrics. Only
 * the `serving` workers are collected: one still starting has no registry to give yet.
 */
export function serveClusterMetrics(serving: () => Iterable<Worker>): void {
  const collections = new PendingReplies();
  cluster.on('message', (worker, message: Message) => {
    if (message?.type === COLLECTED) return collections.settle(message);
    if (message?.type !== ASK) return;
    const reply = (answer: Omit<Message, 'type' | 'id'>) =>
      worker.isConnected() && worker.send({ type: ANSWER, id: message.id, ...answer });
    Promise.all([...serving()].map((each) => collections.ask((id) => each.send({ type: COLLECT, id }), COLLECT_WITHIN_MS)))
      .then(async (collected) => {
        const failed = collected.find((c) => c.metrics === undefined);
        if (failed) return reply({ error: failed.error ?? 'a worker gave no metrics' });
        reply({ text: await AggregatorRegistry.aggregate(collected.map((c) => c.metrics!)).metrics() });
      })
      .catch((err: Error) => reply({ error: err.message }));
  });
}
