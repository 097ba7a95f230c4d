/**
 * The control protocol: JSON lines over a unix socket, one request per line, one response
 * per request (matched by `id`), and events for subscribers. Every message carries the
 * protocol version `v`; a client speaking another version is told so, not misread.
 *
 *   -> {"v":1,"id":7,"cmd":"hangup","link":"line1"}
 *   <- {"v":1,"id":7,"ok":true,"result":{}}
 *   <- {"v":1,"id":8,"ok":false,"error":{"code":"LINK_UNKNOWN","message":"no link named ..."}}
 *   <- {"v":1,"event":{"type":"link","link":"line1","state":"down",...}}   (after "subscribe")
 *
 * Parsing is pure: a line in, a request or a {code, message} error out.
 */
import { z } from 'zod';
import type { AtAnswer } from '../modem/index.js';
import type { ReloadResult, SupervisedLinkDetail, SupervisedLinkStatus, SupervisorStatus } from '../supervisor/index.js';
import { isLinkName } from '../ppp/link-name.js';

export const PROTOCOL_VERSION = 1;
/** A request line longer than this is refused (and the connection closed: no resync). */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** The longest answer or event line a client takes (status reports with transcripts). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

const id = z.union([z.string().max(128), z.number().int()]).optional();
const linkName = z.string().refine(isLinkName, 'expected a link name');

const base = { v: z.literal(PROTOCOL_VERSION), id };
const command = <C extends string>(cmd: C) => z.object({ ...base, cmd: z.literal(cmd) }).strict();
const onLink = <C extends string>(cmd: C) => z.object({ ...base, cmd: z.literal(cmd), link: linkName }).strict();

/** Every command, with what it does. */
export const COMMANDS = {
  ping: 'answers {pong: true}: the daemon is alive',
  status: 'the supervisor: state, bundle, every link',
  links: 'every link with its state, reason, interface and bundle membership',
  link: 'one link, with its last dial\'s transcript (needs "link")',
  dial: 'dial a link now: from parked or hung up, or cutting a back-off short (needs "link"; "force": true also cuts short a modem\'s DELAYED hold-off)',
  hangup: 'hang a link up; it stays down until dialed (needs "link")',
  enslave: 'put an up link into the bundle and let it rejoin by itself (needs "link")',
  emancipate: 'take an up link out of the bundle and keep it out (needs "link")',
  reload: 'read the configuration file again; unchanged links stay up',
  at: 'send one AT command to the modem of a link that is hung up or parked, and get its answer (needs "link" and "command")',
  subscribe: 'stream events on this connection until "unsubscribe" or it closes',
  unsubscribe: 'stop streaming events',
} as const;

export type CommandName = keyof typeof COMMANDS;

/** The schema of each command's request: the request types below are derived from them. */
const REQUESTS = {
  ping: command('ping'),
  status: command('status'),
  links: command('links'),
  link: onLink('link'),
  dial: onLink('dial').extend({ force: z.boolean().optional() }),
  hangup: onLink('hangup'),
  enslave: onLink('enslave'),
  emancipate: onLink('emancipate'),
  reload: command('reload'),
  at: onLink('at').extend({ command: z.string().min(2).max(256) }),
  subscribe: command('subscribe'),
  unsubscribe: command('unsubscribe'),
} satisfies { [C in CommandName]: z.ZodType<{ cmd: C }> };

/** The request of command `C`, as the schema checks it. */
export type RequestOf<C extends CommandName> = z.output<(typeof REQUESTS)[C]>;
export type ControlRequest = { [C in CommandName]: RequestOf<C> }[CommandName];
type Rest<C extends CommandName> = Omit<RequestOf<C>, 'v' | 'id' | 'cmd'>;
/** What a client gives besides the command: the request less `v`, `id` and `cmd` (for a
 * command without arguments, nothing at all). */
export type ArgsOf<C extends CommandName> = [keyof Rest<C>] extends [never] ? Record<string, never> : Rest<C>;

/** What the daemon answers to each command. */
export interface CommandResults {
  ping: { pong: true; pid: number };
  status: SupervisorStatus;
  links: SupervisedLinkStatus[];
  link: SupervisedLinkDetail;
  dial: SupervisedLinkStatus;
  hangup: SupervisedLinkStatus;
  enslave: SupervisedLinkStatus;
  emancipate: SupervisedLinkStatus;
  reload: ReloadResult;
  at: AtAnswer;
  subscribe: { subscribed: true };
  unsubscribe: { subscribed: false };
}

export type ResultOf<C extends CommandName> = CommandResults[C];

export interface ControlError {
  code: string;
  message: string;
}

export type ControlResponse = { v: 1; id?: string | number; ok: true; result: unknown } | { v: 1; id?: string | number; ok: false; error: ControlError };

export type ParsedRequest = { ok: true; request: ControlRequest } | { ok: false; id?: string | number; error: ControlError };

function idOf(value: unknown): string | number | undefined {
  if (value && typeof value === 'object' && 'id' in value) {
    const v = (value as { id: unknown }).id;
    if ((typeof v === 'string' && v.length <= 128) || (typeof v === 'number' && Number.isInteger(v))) return v;
  }
  return undefined;
}

/** One request line, checked: the request, or the error to send back. */
export function parseRequest(line: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, error: { code: 'CONTROL_BAD_REQUEST', message: `not JSON: ${(error as Error).message}` } };
  }
  const requestId = idOf(value);
  const withId = requestId !== undefined ? { id: requestId } : {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, ...withId, error: { code: 'CONTROL_BAD_REQUEST', message: 'expected a JSON object like {"v":1,"cmd":"status"}' } };
  const object = value as Record<string, unknown>;
  if (object.v !== PROTOCOL_VERSION) {
    return { ok: false, ...withId, error: { code: 'CONTROL_VERSION', message: `protocol version ${JSON.stringify(object.v ?? null)} is not spoken here; this daemon speaks "v": ${PROTOCOL_VERSION}` } };
  }
  if (typeof object.cmd !== 'string' || !Object.hasOwn(COMMANDS, object.cmd)) {
    return { ok: false, ...withId, error: { code: 'CONTROL_UNKNOWN_COMMAND', message: `unknown command ${JSON.stringify(object.cmd ?? null)}; known: ${Object.keys(COMMANDS).join(', ')}` } };
  }
  // The command is known: its own schema says what is wrong with the rest.
  const result = REQUESTS[object.cmd as CommandName].safeParse(value);
  if (!result.success) {
    const relevant = result.error.issues[0];
    const where = relevant?.path.length ? `"${relevant.path.join('.')}": ` : '';
    const what = relevant?.code === 'unrecognized_keys' ? `unexpected field(s) ${relevant.keys.map((k) => `"${k}"`).join(', ')}` : (relevant?.message ?? 'invalid request');
    return { ok: false, ...withId, error: { code: 'CONTROL_BAD_REQUEST', message: `${object.cmd}: ${where}${what}` } };
  }
  return { ok: true, request: result.data as ControlRequest };
}

export function okResponse(id: string | number | undefined, result: unknown): ControlResponse {
  return { v: PROTOCOL_VERSION, ...(id !== undefined ? { id } : {}), ok: true, result };
}

export function errorResponse(id: string | number | undefined, error: ControlError): ControlResponse {
  return { v: PROTOCOL_VERSION, ...(id !== undefined ? { id } : {}), ok: false, error };
}

export function eventMessage(event: unknown): { v: 1; event: unknown } {
  return { v: PROTOCOL_VERSION, event };
}
