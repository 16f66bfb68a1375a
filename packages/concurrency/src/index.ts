export { SerialRerun } from './serial-rerun.js';
