import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AtAnswer } from '../modem/index.js';
import type { SupervisedLinkDetail, SupervisorStatus } from '../supervisor/index.js';
import type { ControlClient } from './client.js';
import { parseRequest, type ArgsOf, type RequestOf, type ResultOf } from './protocol.js';

describe('parseRequest', () => {
  it('accepts every command in its shape', () => {
    for (const cmd of ['ping', 'status', 'links', 'reload', 'subscribe', 'unsubscribe']) expect(parseRequest(JSON.stringify({ v: 1, cmd }))).toEqual({ ok: true, request: { v: 1, cmd } });
    expect(parseRequest('{"v":1,"cmd":"at","link":"line0","command":"ATI3"}')).toEqual({ ok: true, request: { v: 1, cmd: 'at', link: 'line0', command: 'ATI3' } });
    for (const cmd of ['link', 'dial', 'hangup', 'enslave', 'emancipate']) expect(parseRequest(JSON.stringify({ v: 1, id: 'a', cmd, link: 'line0' }))).toEqual({ ok: true, request: { v: 1, id: 'a', cmd, link: 'line0' } });
    expect(parseRequest('{"v":1,"cmd":"dial","link":"line0","force":true}')).toEqual({ ok: true, request: { v: 1, cmd: 'dial', link: 'line0', force: true } });
  });

  it.each([
    ['{', 'CONTROL_BAD_REQUEST', /not JSON/],
    ['[1,2]', 'CONTROL_BAD_REQUEST', /JSON object/],
    ['"status"', 'CONTROL_BAD_REQUEST', /JSON object/],
    ['null', 'CONTROL_BAD_REQUEST', /JSON object/],
    ['{"cmd":"status"}', 'CONTROL_VERSION', /version null .* "v": 1/],
    ['{"v":2,"cmd":"status"}', 'CONTROL_VERSION', /version 2/],
    ['{"v":1,"cmd":"format-disk"}', 'CONTROL_UNKNOWN_COMMAND', /"format-disk".*known: ping, status/],
    ['{"v":1}', 'CONTROL_UNKNOWN_COMMAND', /unknown command null/],
    ['{"v":1,"cmd":"toString"}', 'CONTROL_UNKNOWN_COMMAND', /toString/],
    ['{"v":1,"cmd":"__proto__"}', 'CONTROL_UNKNOWN_COMMAND', /__proto__/],
    ['{"v":1,"cmd":"dial"}', 'CONTROL_BAD_REQUEST', /dial: "link": Required/],
    ['{"v":1,"cmd":"dial","link":"; rm -rf /"}', 'CONTROL_BAD_REQUEST', /dial: "link": expected a link name/],
    ['{"v":1,"cmd":"dial","link":7}', 'CONTROL_BAD_REQUEST', /"link"/],
    ['{"v":1,"cmd":"status","extra":1}', 'CONTROL_BAD_REQUEST', /unexpected field\(s\) "extra"/],
    ['{"v":1,"cmd":"dial","link":"line0","force":"yes"}', 'CONTROL_BAD_REQUEST', /dial: "force"/],
    ['{"v":1,"cmd":"hangup","link":"line0","force":true}', 'CONTROL_BAD_REQUEST', /unexpected field\(s\) "force"/],
    ['{"v":1,"cmd":"status","id":{"a":1}}', 'CONTROL_BAD_REQUEST', /"id"/],
  ])('refuses %s with %s', (line, code, message) => {
    const parsed = parseRequest(line);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message).toMatch(message);
  });

  it('keeps the id of a refused request so the client can match the error', () => {
    expect(parseRequest('{"v":1,"id":42,"cmd":"nope"}')).toMatchObject({ ok: false, id: 42 });
    expect(parseRequest('{"v":9,"id":"x"}')).toMatchObject({ ok: false, id: 'x' });
  });
});

describe('the protocol types, derived from the schemas', () => {
  it('give each command its request and its result (checked by the typecheck step of npm test)', () => {
    expectTypeOf<RequestOf<'dial'>>().toEqualTypeOf<{ v: 1; id?: string | number | undefined; cmd: 'dial'; link: string; force?: boolean | undefined }>();
    expectTypeOf<ArgsOf<'at'>>().toEqualTypeOf<{ link: string; command: string }>();
    expectTypeOf<ResultOf<'status'>>().toEqualTypeOf<SupervisorStatus>();
    expectTypeOf<ResultOf<'link'>>().toEqualTypeOf<SupervisedLinkDetail>();
    expectTypeOf<ControlClient['request']>().toBeFunction();
    const ask = (client: ControlClient) => {
      // @ts-expect-error a link command needs its link
      void client.request('hangup');
      // @ts-expect-error no such field
      void client.request('status', { link: 'line0' });
      return client.request('at', { link: 'line0', command: 'ATI' });
    };
    expectTypeOf(ask).returns.resolves.toEqualTypeOf<AtAnswer>();
    // and the schema refuses at run time what the types refuse at compile time
    expect(parseRequest('{"v":1,"cmd":"hangup"}')).toMatchObject({ ok: false, error: { code: 'CONTROL_BAD_REQUEST', message: expect.stringContaining('"link"') } });
  });
});
