import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { ControlClient } from './client.js';
import { MAX_REQUEST_BYTES, type ControlRequest } from './protocol.js';
import { ControlServer, groupId, type ControlHandler } from './server.js';

/** A handler over a tiny fake daemon: two links, events published by hand. */
function fakeHandler() {
  const listeners = new Set<(event: unknown) => void>();
  const handled: ControlRequest[] = [];
  const handler: ControlHandler = {
    async handle(request) {
      handled.push(request);
      if (request.cmd === 'ping') return { pong: true };
      if ('link' in request && request.link !== 'line0') throw new DialbondError('LINK_UNKNOWN', `no link named "${request.link}"`);
      if (request.cmd === 'reload') throw new Error('disk on fire');
      return { done: request.cmd };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { handler, handled, publish: (e: unknown) => listeners.forEach((l) => l(e)), subscribers: () => listeners.size };
}

/** Resolves once `condition` holds (the server sees a close a little after the client makes it). */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends raw bytes on a fresh connection and collects what comes back until it closes or `lines` arrived. */
function rawExchange(path: string, data: string, lines: number): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let text = '';
    const done = () => {
      socket.destroy();
      resolve(text.split('\n').filter(Boolean));
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.split('\n').filter(Boolean).length >= lines) done();
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(data);
  });
}

describe('control socket', () => {
  let dir: string;
  let path: string;
  let server: ControlServer | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dialbond-control-'));
    path = join(dir, 'run', 'control.sock');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers requests by id, passes the daemon\'s error codes, and masks unexpected failures as CONTROL_FAILED', async () => {
    const fake = fakeHandler();
    ({ server } = await ControlServer.listen({ path }, fake.handler));
    expect(statSync(path).mode & 0o777).toBe(0o660);
    const client = await ControlClient.connect(path);
    const [pong, dial] = await Promise.all([client.request('ping'), client.request('dial', { link: 'line0' })]);
    expect(pong).toEqual({ pong: true });
    expect(dial).toEqual({ done: 'dial' });
    await expect(client.request('hangup', { link: 'line7' })).rejects.toMatchObject({ code: 'LINK_UNKNOWN', message: 'no link named "line7"' });
    await expect(client.request('reload')).rejects.toMatchObject({ code: 'CONTROL_FAILED', message: 'disk on fire' });
    client.close();
  });

  it('streams events to subscribers only, until they unsubscribe or go away', async () => {
    const fake = fakeHandler();
    ({ server } = await ControlServer.listen({ path }, fake.handler));
    const listener = await ControlClient.connect(path);
    const bystander = await ControlClient.connect(path);
    const got: unknown[] = [];
    const other: unknown[] = [];
    listener.on('event', (e) => got.push(e));
    bystander.on('event', (e) => other.push(e));
    await listener.request('subscribe');
    await bystander.request('ping');
    fake.publish({ type: 'link', link: 'line0', state: 'down' });
    await listener.request('ping'); // responses come in order: the event arrived before this
    expect(got).toEqual([{ type: 'link', link: 'line0', state: 'down' }]);
    await listener.request('unsubscribe');
    fake.publish({ type: 'link', link: 'line0', state: 'up' });
    await listener.request('ping');
    expect(got).toHaveLength(1);
    expect(other).toEqual([]);
    await listener.request('subscribe');
    listener.close();
    await until(() => fake.subscribers() === 0);
    bystander.close();
  });

  it('survives a thousand malformed requests on one connection, answering each, and keeps serving', async () => {
    const fake = fakeHandler();
    ({ server } = await ControlServer.listen({ path }, fake.handler));
    const junk = ['{', 'null', '[]', '{"v":1}', '{"v":3,"cmd":"status"}', '{"v":1,"cmd":"dial","link":"a b"}', '\u0000\u00ff\u0001', '{"v":1,"cmd":"status","x":[1,2,3]}', '"\\ud800"', '1e999'];
    const lines = Array.from({ length: 1000 }, (_, i) => junk[i % junk.length]!).join('\n') + '\n';
    const answers = await rawExchange(path, lines, 1000);
    expect(answers).toHaveLength(1000);
    for (const a of answers) expect(JSON.parse(a)).toMatchObject({ v: 1, ok: false, error: { code: expect.stringMatching(/^CONTROL_/), message: expect.any(String) } });
    expect(fake.handled).toEqual([]);
    const client = await ControlClient.connect(path);
    expect(await client.request('ping')).toEqual({ pong: true });
    client.close();
  });

  it('closes a connection that sends a line over the limit, and only that one', async () => {
    const fake = fakeHandler();
    ({ server } = await ControlServer.listen({ path }, fake.handler));
    const client = await ControlClient.connect(path);
    const answers = await rawExchange(path, 'x'.repeat(MAX_REQUEST_BYTES + 10), 1);
    expect(JSON.parse(answers[0]!)).toMatchObject({ ok: false, error: { code: 'CONTROL_TOO_LARGE' } });
    expect(await client.request('ping')).toEqual({ pong: true });
    client.close();
  });

  it('refuses connections over the cap with a message, and takes new ones when others leave', async () => {
    const fake = fakeHandler();
    ({ server } = await ControlServer.listen({ path, maxClients: 2 }, fake.handler));
    const a = await ControlClient.connect(path);
    const b = await ControlClient.connect(path);
    await Promise.all([a.request('ping'), b.request('ping')]);
    const refused = await rawExchange(path, '', 1);
    expect(JSON.parse(refused[0]!)).toMatchObject({ ok: false, error: { code: 'CONTROL_FAILED', message: expect.stringMatching(/too many control connections/) } });
    a.close();
    await until(() => server!.connections === 1);
    const c = await ControlClient.connect(path);
    expect(await c.request('ping')).toEqual({ pong: true });
    b.close();
    c.close();
  });

  it('replaces a socket file left by a crash, and refuses to start beside a live daemon', async () => {
    const fake = fakeHandler();
    const first = await ControlServer.listen({ path }, fake.handler);
    await expect(ControlServer.listen({ path }, fake.handler)).rejects.toMatchObject({ code: 'DAEMON_RUNNING' });
    // a crashed daemon leaves its socket file behind with nobody listening
    await first.server.close();
    writeFileSync(path, '');
    const second = await ControlServer.listen({ path, mode: 0o600 }, fake.handler);
    server = second.server;
    expect(second.replacedStale).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('says plainly when no daemon answers', async () => {
    await expect(ControlClient.connect(join(dir, 'nothing.sock'))).rejects.toMatchObject({ code: 'CONTROL_UNAVAILABLE', message: expect.stringMatching(/no dialbond daemon is running there/) });
  });

  it('finds a group id by name, and names the group it cannot find', () => {
    const file = join(dir, 'group');
    writeFileSync(file, 'root:x:0:\ndialout:x:20:alice\n');
    expect(groupId('dialout', file)).toBe(20);
    expect(() => groupId('modems', file)).toThrow(/no group named "modems"/);
  });
});
