/**
 * pppd: its arguments, its secrets file, its log, its exit status, and the process.
 * Public surface of src/ppp.
 */
export { PPP_EXIT_STATUSES, describePppExit, type PppExitInfo } from './exit-codes.js';
export { buildPppdArgs, REFUSED_EXTRA_OPTIONS, DEFAULT_LCP_ECHO_INTERVAL, DEFAULT_LCP_ECHO_FAILURE, type PppdOptions } from './options.js';
export { quoteShellWord, shellJoin } from './shell.js';
export { writePppSecretsFile, quotePppWord, type PppSecretsFile } from './secrets.js';
export { parsePppdLogLine, PppdLogReader, DEFAULT_MAX_LINE_LENGTH, type PppLogEvent, type PppAuthProtocol, type PppAuthJudge, type PppdLogReaderEvents } from './log.js';
export {
  startPppd,
  findPppd,
  PppdProcess,
  PPPD_FALLBACK_DIRS,
  PPPD_EXIT_LINES,
  DEFAULT_KILL_AFTER_MS,
  type StartPppdOptions,
  type PppdExit,
  type PppdProcessEvents,
} from './runner.js';
