export { LeakyBucket, leakyBucketSchema, type LeakyBucketOptions, type Verdict } from './leaky-bucket.js';
export { SharedLeakyBucket } from './shared-leaky-bucket.js';
