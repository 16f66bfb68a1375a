export { LeakyBucket, leakyBucketSchema, type LeakyBucketOptions, type Verdict } from './leaky-bucket.js';
