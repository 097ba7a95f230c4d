export { type Clock, systemClock, sleep } from './clock.js';
export { parseDuration, formatDuration } from './duration.js';
export { Periodic } from './periodic.js';
export { LineSplitter, type SplitEvent } from './lines.js';
