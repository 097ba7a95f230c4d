import { describe, expect, it } from 'vitest';
import { LoginGate, MAX_LOGIN_ATTEMPTS } from './login.js';
import { EchoPeer, type LinePeer } from './peer.js';
import { parseScenario } from './scenario.js';

function gate(login = { user: 'dialuser', password: 's3cret-pw', banner: 'ISP', welcome: 'Entering PPP mode.' }) {
  const spec = parseScenario({ login }).login!;
  const inner: LinePeer[] = [];
  const g = new LoginGate(spec, () => {
    const peer = new EchoPeer();
    inner.push(peer);
    return peer;
  });
  let out = '';
  let closed = false;
  g.on('data', (bytes) => (out += bytes.toString('latin1')));
  g.on('close', () => (closed = true));
  const take = (): string => {
    const text = out;
    out = '';
    return text;
  };
  const send = (text: string): boolean => g.write(Buffer.from(text, 'latin1'));
  return { g, inner, take, send, closed: () => closed };
}

describe('LoginGate', () => {
  it('asks for a login and a password, then hands the line to the far end', () => {
    const { g, inner, take, send } = gate();
    g.start();
    expect(take()).toBe('\r\nISP\r\n\r\nlogin:');
    send('dialuser\r\n');
    expect(take()).toBe('dialuser\r\nPassword:'); // the user name is echoed
    send('s3cret-pw\r');
    expect(take()).toBe('\r\nEntering PPP mode.\r\n'); // the password is not
    expect(g.loggedIn).toBe(true);
    expect(inner).toHaveLength(1);
    send('~}#ppp');
    expect(take()).toBe('~}#ppp');
  });

  it('passes bytes after the password in the same chunk to the far end', () => {
    const { take, send } = gate();
    send('dialuser\rs3cret-pw\rHELLO');
    expect(take()).toMatch(/HELLO$/);
  });

  it('says Login incorrect and asks again; hangs up after three failures', () => {
    const { g, take, send, closed, inner } = gate();
    g.start();
    take();
    send('dialuser\rwrong\r');
    expect(take()).toBe('dialuser\r\nPassword:\r\nLogin incorrect\r\n\r\nlogin:');
    for (let i = 1; i < MAX_LOGIN_ATTEMPTS; i++) send('nobody\rs3cret-pw\r');
    expect(closed()).toBe(true);
    expect(inner).toHaveLength(0);
  });

  it('prompts again on an empty line and honours backspace', () => {
    const { take, send, g } = gate();
    send('\r');
    expect(take()).toBe('\r\nlogin:');
    send('dialusex\br\r');
    take();
    send('s3cret-pw\r');
    expect(g.loggedIn).toBe(true);
  });
});
