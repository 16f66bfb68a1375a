export { SerialRerun } from './serial-rerun.js';
export { OneAtATime } from './one-at-a-time.js';
export { TurnBatch } from './turn-batch.js';
export { Loop } from './loop.js';
