/**
 * The Hayes AT codec: pure framing, result classification and command building.
 * No I/O, no timers, no ports; the modem machine drives it.
 */

export { LineFramer, type FramerEvent, type LineFramerOptions } from './framer.js';
export { classifyLine, type Classified, type FinalResult } from './results.js';
export { parseConnect, mergeConnectDetails, type ConnectInfo, type IntermediateResult } from './connect.js';
export { validateDialString, validateCommand, buildDialCommand, commandLine, isEcho, initOnDialLine, startsCall, GUARANTEED_BODY_LENGTH } from './commands.js';
export { ESCAPE_SEQUENCE, DEFAULT_GUARD_TIME_MS, guardTimeFromS12 } from './escape.js';
