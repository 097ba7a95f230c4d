import { describe, expect, it } from 'vitest';
import { parseProfile } from '../profiles/index.js';
import { isPseudoTerminal } from '../modem/index.js';
import { linkEventOf, pppdArgsFor } from './actors.js';
import { DEFAULT_BACKOFF, type LinkConfig } from './types.js';

const base = { backoff: DEFAULT_BACKOFF, runDir: '/run/dialbond' };

describe('pppd arguments of a link', () => {
  it('a modem link: pppd on the handed-over line (stdin, no lock of its own), password only in the file', () => {
    const config: LinkConfig = {
      ...base,
      kind: 'modem',
      name: 'line0',
      device: '/dev/ttyS0',
      profile: parseProfile({ name: 'p' }, 'p'),
      numbers: ['1'],
      ppp: { localIp: '203.0.113.1', remoteIp: '198.51.100.1', user: 'dialuser', password: 'top-secret', lcpEchoInterval: 1, lcpEchoFailure: 3 },
    };
    const args = pppdArgsFor(config, '/run/dialbond/line0.pppd-secrets');
    expect(args).not.toContain('/dev/ttyS0');
    expect(args).toContain('nolock');
    expect(args.join(' ')).toContain('linkname line0');
    expect(args.join(' ')).toContain('203.0.113.1:198.51.100.1');
    expect(args.join(' ')).toContain('file /run/dialbond/line0.pppd-secrets');
    expect(args.join(' ')).toContain('user dialuser');
    expect(args.join('\n')).not.toContain('top-secret');
  });

  it('a modem on a real serial line is watched by its carrier (modem), with RTS/CTS as its profile says; on a pty, local', () => {
    const link = (profile: Record<string, unknown>): LinkConfig => ({ ...base, kind: 'modem', name: 'line0', device: '/dev/ttyACM0', profile: parseProfile({ name: 'p', ...profile }, 'p'), numbers: ['1'], ppp: {} });
    const serial = () => true;
    const pty = () => false;
    expect(pppdArgsFor(link({}), undefined, serial)).toEqual(expect.arrayContaining(['modem', 'crtscts']));
    expect(pppdArgsFor(link({ flowControl: 'none' }), undefined, serial)).toEqual(expect.arrayContaining(['modem', 'nocrtscts']));
    const noDcd = pppdArgsFor(link({ carrierDetect: false }), undefined, serial);
    expect(noDcd).toContain('local');
    expect(noDcd).toContain('crtscts');
    const onPty = pppdArgsFor(link({}), undefined, pty);
    expect(onPty).toContain('local');
    expect(onPty.filter((a) => /crtscts|^modem$/.test(a))).toEqual([]);
    // the device is looked at as it is: a missing one is no pty
    expect(isPseudoTerminal('/dev/nonesuch')).toBe(false);
    expect(isPseudoTerminal('/dev/null')).toBe(false);
  });

  it('a pty link: pppd runs the command', () => {
    const config: LinkConfig = { ...base, kind: 'pty', name: 'slirp0', command: ['slirp-fullbolt', 'ppp'], ppp: {} };
    const args = pppdArgsFor(config);
    expect(args[args.indexOf('pty') + 1]).toBe("'slirp-fullbolt' 'ppp'");
  });
});

describe('pppd log events a link reacts to', () => {
  it('maps peer-dead and link-disconnected to peer-dead, and ignores statistics', () => {
    expect(linkEventOf({ type: 'peer-dead', missed: 3 })).toEqual({ type: 'peer-dead' });
    expect(linkEventOf({ type: 'link-disconnected' })).toEqual({ type: 'peer-dead' });
    expect(linkEventOf({ type: 'stats', sent: 1, received: 2 })).toBeUndefined();
  });

  it('passes the DNS servers the peer offered on to the link', () => {
    expect(linkEventOf({ type: 'dns', rank: 'primary', address: '198.51.100.53' })).toEqual({ type: 'dns', rank: 'primary', address: '198.51.100.53' });
  });
});
