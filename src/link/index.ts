export { Link, linkStateOf, type LinkStatus, type LinkTransition, type LinkOptions } from './link.js';
export { linkMachine } from './machine.js';
export { holdOffOf, rotatedNumbers, type LinkState, type LinkEvent, type LinkPppEvent, type RunningPppd } from './vocabulary.js';
export { linkReason, type ReasonSource, type PppExit } from './reasons.js';
export { createLinkActors, pppdArgsFor, linkEventOf, type LinkActorDeps } from './actors.js';
export { backoffDelay, secretsOf, secretMaskOf, DEFAULT_BACKOFF, TRANSCRIPT_LINES, type TranscriptEntry, type LinkConfig, type ModemLinkConfig, type PtyLinkConfig, type PppLinkOptions, type BackoffPolicy, type LinkReason } from './types.js';
export { lineRateOf } from './line-rate.js';
