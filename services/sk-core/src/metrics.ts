import { Histogram, type Registry } from '@sk/http';

/** How sk-core keeps up: the size of the batches it pops and the time each takes to decide and answer. */
export function batchMetrics(registry: Registry) {
  const size = new Histogram({
    name: 'sk_core_batch_size',
    help: 'Requests per popped batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'sk_core_batch_seconds',
    help: 'Time to decide a batch (Lua steps) and push its replies',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  return {
    observe: (count: number, took: number) => {
      size.observe(count);
      seconds.observe(took);
    },
  };
}
