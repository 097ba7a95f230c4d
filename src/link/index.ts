export { Link, linkStateOf, type LinkStatus, type LinkTransition, type LinkOptions } from './link.js';
export { linkMachine, holdOffOf, rotatedNumbers, type LinkState, type LinkEvent, type LinkPppEvent, type PppExit, type RunningPppd } from './machine.js';
export { linkReason, type ReasonSource } from './reasons.js';
export { createLinkActors, pppdArgsFor, linkEventOf, type LinkActorDeps } from './actors.js';
export { backoffDelay, DEFAULT_BACKOFF, TRANSCRIPT_LINES, type TranscriptEntry, type LinkConfig, type ModemLinkConfig, type PtyLinkConfig, type PppLinkOptions, type BackoffPolicy, type LinkReason } from './types.js';
