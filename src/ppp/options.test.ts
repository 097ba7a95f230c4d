import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { buildPppdArgs, REFUSED_EXTRA_OPTIONS, type PppdOptions } from './options.js';
import { writePppSecretsFile } from './secrets.js';

/** The DialbondError thrown by `fn` (fails the test if none). */
function thrown(fn: () => unknown): DialbondError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return error as DialbondError;
  }
  throw new Error('expected a DialbondError');
}

/** The value following `option` in argv. */
function valueOf(args: string[], option: string): string | undefined {
  const i = args.indexOf(option);
  return i === -1 ? undefined : args[i + 1];
}

/** Options every link gets, whatever its kind. */
function expectAlways(args: string[], linkName: string): void {
  expect(args).toContain('nodetach');
  expect(valueOf(args, 'linkname')).toBe(linkName);
  expect(valueOf(args, 'ipparam')).toBe(linkName);
  expect(valueOf(args, 'logfd')).toBe('2');
  for (const option of ['novj', 'novjccomp', 'nodeflate', 'nobsdcomp', 'nodefaultroute', 'nopersist']) expect(args).toContain(option);
  expect(args).not.toContain('detach');
  expect(args).not.toContain('updetach');
  expect(args).not.toContain('defaultroute');
}

describe('buildPppdArgs: kinds of link', () => {
  it('a modem link on a named device: device, speed, modem control, pppd does its own locking', () => {
    const args = buildPppdArgs({ linkName: 'modem1', device: '/dev/ttyS0', baudRate: 115200, unit: 3, mtu: 1500, mru: 1500 });
    expectAlways(args, 'modem1');
    expect(args.slice(0, 2)).toEqual(['/dev/ttyS0', '115200']);
    expect(args).toContain('modem');
    expect(args).toContain('crtscts');
    expect(args).not.toContain('local');
    expect(args).not.toContain('nolock');
    expect(valueOf(args, 'unit')).toBe('3');
    expect(valueOf(args, 'mtu')).toBe('1500');
    expect(valueOf(args, 'mru')).toBe('1500');
    expect(args).toContain('noipdefault');
    expect(args).toContain('noauth');
    expect(valueOf(args, 'lcp-echo-interval')).toBe('10');
    expect(valueOf(args, 'lcp-echo-failure')).toBe('6');
  });

  it('a handed-over line (no device): pppd uses stdin, no locking (we hold the lock), local', () => {
    const args = buildPppdArgs({ linkName: 'line0', localIp: '203.0.113.2', remoteIp: '198.51.100.2', lcpEchoInterval: 1, lcpEchoFailure: 3 });
    expectAlways(args, 'line0');
    expect(args).toContain('nolock');
    expect(args).toContain('local');
    expect(args).not.toContain('modem');
    expect(args).not.toContain('pty');
    expect(args.some((arg) => arg.startsWith('/dev/'))).toBe(false);
    expect(args).toContain('203.0.113.2:198.51.100.2');
    expect(args).not.toContain('noipdefault');
    expect(valueOf(args, 'lcp-echo-interval')).toBe('1');
    expect(valueOf(args, 'lcp-echo-failure')).toBe('3');
  });

  it('a pty link: one quoted command string that sh splits back into the argv', () => {
    const ptyCommand = ['ssh', '-q', '-t', 'user@host', 'slirp', '-1', '0', "it's $HOME `id`", 'two  spaces', '"dq"'];
    const args = buildPppdArgs({ linkName: 'ssh-1', ptyCommand, localIp: '10.0.2.15', remoteIp: '10.0.2.2' });
    expectAlways(args, 'ssh-1');
    expect(args).toContain('local');
    expect(args).toContain('nolock');
    const command = valueOf(args, 'pty') as string;
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\000' ${command}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(ptyCommand);
    expect(buildPppdArgs({ linkName: 'slirp', ptyCommand: ['slirp-fullbolt', 'ppp'] })).toContain("'slirp-fullbolt' 'ppp'");
  });

  it('multilink with an endpoint discriminator', () => {
    const args = buildPppdArgs({ linkName: 'ml0', multilink: { endpoint: 'IP:192.0.2.1' } });
    expect(args).toContain('multilink');
    expect(valueOf(args, 'endpoint')).toBe('IP:192.0.2.1');
    expect(buildPppdArgs({ linkName: 'ml1', multilink: {} })).toContain('multilink');
    expect(buildPppdArgs({ linkName: 'ml1', multilink: {} })).not.toContain('endpoint');
  });

  it('only a remote address: ":remote" and the peer assigns ours', () => {
    const args = buildPppdArgs({ linkName: 'l', remoteIp: '198.51.100.1' });
    expect(args).toContain(':198.51.100.1');
    expect(args).toContain('noipdefault');
  });

  it('ifname, peer authentication, user and the secrets file', () => {
    const args = buildPppdArgs({ linkName: 'l', ifname: 'dial0', requirePeerAuth: true, user: 'alice', optionsFile: '/run/dialbond/l.pppd-secrets' });
    expect(valueOf(args, 'ifname')).toBe('dial0');
    expect(args).toContain('auth');
    expect(args).not.toContain('noauth');
    expect(valueOf(args, 'user')).toBe('alice');
    expect(valueOf(args, 'file')).toBe('/run/dialbond/l.pppd-secrets');
    expect(args.indexOf('file')).toBeLessThan(args.indexOf('user'));
  });

  it('modemControl overrides the default either way', () => {
    expect(buildPppdArgs({ linkName: 'l', modemControl: true })).toContain('crtscts');
    const args = buildPppdArgs({ linkName: 'l', device: '/dev/ttyUSB0', modemControl: false });
    expect(args).toContain('local');
    expect(args).not.toContain('modem');
  });

  it('a handed-over serial line watches the carrier, with RTS/CTS as the modem does it', () => {
    const watched = buildPppdArgs({ linkName: 'l', modemControl: true, hardwareFlow: false });
    expect(watched).toContain('modem');
    expect(watched).toContain('nocrtscts');
    expect(watched).not.toContain('crtscts');
    // a local line says nothing of flow control unless asked
    expect(buildPppdArgs({ linkName: 'l' }).filter((a) => /crtscts/.test(a))).toEqual([]);
    expect(buildPppdArgs({ linkName: 'l', hardwareFlow: true })).toContain('crtscts');
    expect(() => buildPppdArgs({ linkName: 'l', hardwareFlow: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'PPP_OPTIONS' }));
  });

  it('passes allowed extra options through, after ours; nodetach twice is fine', () => {
    const args = buildPppdArgs({ linkName: 'l', extra: ['nodetach', 'asyncmap', '0', 'debug', 'noccp'] });
    expect(args.slice(-5)).toEqual(['nodetach', 'asyncmap', '0', 'debug', 'noccp']);
  });
});

describe('buildPppdArgs: validation (PPP_OPTIONS naming the field)', () => {
  const base: PppdOptions = { linkName: 'ok' };
  const cases: Array<[string, PppdOptions, string]> = [
    ['empty link name', { linkName: '' }, 'linkName'],
    ['link name with a slash', { linkName: 'a/b' }, 'linkName'],
    ['link name with a space', { linkName: 'a b' }, 'linkName'],
    ['link name too long', { linkName: 'a'.repeat(16) }, 'linkName'],
    ['unit negative', { ...base, unit: -1 }, 'unit'],
    ['unit too big', { ...base, unit: 1000 }, 'unit'],
    ['unit fractional', { ...base, unit: 1.5 }, 'unit'],
    ['ifname too long', { ...base, ifname: 'x'.repeat(16) }, 'ifname'],
    ['ifname with a slash', { ...base, ifname: 'pp/p' }, 'ifname'],
    ['ifname with a colon', { ...base, ifname: 'ppp:1' }, 'ifname'],
    ['ifname ..', { ...base, ifname: '..' }, 'ifname'],
    ['relative device', { ...base, device: 'ttyS0' }, 'device'],
    ['device with a newline', { ...base, device: '/dev/ttyS0\n' }, 'device'],
    ['baud rate zero', { ...base, device: '/dev/ttyS0', baudRate: 0 }, 'baudRate'],
    ['baud rate on a pty', { ...base, ptyCommand: ['slirp'], baudRate: 9600 }, 'baudRate'],
    ['pty and device', { ...base, ptyCommand: ['slirp'], device: '/dev/ttyS0' }, 'device'],
    ['empty pty command', { ...base, ptyCommand: [] }, 'ptyCommand'],
    ['pty command with a newline', { ...base, ptyCommand: ['slirp', 'a\nb'] }, 'ptyCommand[1]'],
    ['pty command without a name', { ...base, ptyCommand: ['', 'x'] }, 'ptyCommand[0]'],
    ['local IP not an address', { ...base, localIp: 'example.com' }, 'localIp'],
    ['local IP octet too big', { ...base, localIp: '10.0.0.256' }, 'localIp'],
    ['remote IP with a leading zero (inet_addr reads octal)', { ...base, remoteIp: '010.0.0.1' }, 'remoteIp'],
    ['remote IP with three parts', { ...base, remoteIp: '10.0.1' }, 'remoteIp'],
    ['mtu too small', { ...base, mtu: 127 }, 'mtu'],
    ['mtu too big', { ...base, mtu: 16385 }, 'mtu'],
    ['mru too small', { ...base, mru: 64 }, 'mru'],
    ['mru not a number', { ...base, mru: Number.NaN }, 'mru'],
    ['echo interval zero', { ...base, lcpEchoInterval: 0 }, 'lcpEchoInterval'],
    ['echo failure negative', { ...base, lcpEchoFailure: -3 }, 'lcpEchoFailure'],
    ['echo failure fractional', { ...base, lcpEchoFailure: 2.5 }, 'lcpEchoFailure'],
    ['bad endpoint class', { ...base, multilink: { endpoint: 'foo:bar' } }, 'multilink.endpoint'],
    ['endpoint with a space', { ...base, multilink: { endpoint: 'IP:1 2' } }, 'multilink.endpoint'],
    ['user with a newline', { ...base, user: 'al\nice' }, 'user'],
    ['user with a NUL', { ...base, user: 'al\0ice' }, 'user'],
    ['empty user', { ...base, user: '' }, 'user'],
    ['relative options file', { ...base, optionsFile: 'secrets' }, 'optionsFile'],
    ['extra not a list', { ...base, extra: 'debug' as unknown as string[] }, 'extra'],
    ['extra with a control character', { ...base, extra: ['debug\n'] }, 'extra[0]'],
    ['extra with an empty word', { ...base, extra: [''] }, 'extra[0]'],
  ];

  it.each(cases)('%s', (_name, options, field) => {
    const error = thrown(() => buildPppdArgs(options));
    expect(error.code).toBe('PPP_OPTIONS');
    expect(error.details.field).toBe(field);
  });

  it.each(['password', 'pap-secrets', 'chap-secrets', 'detach', 'updetach', 'logfile', 'logfd', 'nologfd', 'connect', 'init', 'disconnect', 'welcome', 'pty', 'file', 'call', 'show-password', 'record', 'persist', 'linkname', 'socket'])(
    'refuses "%s" in extra, naming it',
    (option) => {
      const error = thrown(() => buildPppdArgs({ linkName: 'l', extra: ['debug', option, 'value'] }));
      expect(error.code).toBe('PPP_OPTIONS');
      expect(error.details).toMatchObject({ field: 'extra[1]', option });
    },
  );

  it('refuses the name=value spelling too', () => {
    expect(thrown(() => buildPppdArgs({ linkName: 'l', extra: ['logfile=/tmp/x'] })).details.option).toBe('logfile');
  });

  it('every refused option says why', () => {
    for (const why of Object.values(REFUSED_EXTRA_OPTIONS)) expect(why.length).toBeGreaterThan(10);
  });
});

describe('buildPppdArgs: the password never reaches argv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-ppp-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('credentials go to the 0600 options file; argv names only the file and the user', async () => {
    const password = 'pa55 "w0rd" $ecret';
    const secrets = await writePppSecretsFile(join(dir, 'secrets'), 'modem1', { user: 'alice', password });
    const args = buildPppdArgs({ linkName: 'modem1', device: '/dev/ttyS0', user: 'alice', optionsFile: secrets.path, extra: ['debug'] });
    expect(args.join('\n')).not.toContain(password);
    for (const arg of args) expect(arg).not.toContain('pa55');
    expect(valueOf(args, 'file')).toBe(secrets.path);
    await secrets.remove();
  });

  it('a password smuggled in extra is refused without repeating it', () => {
    const error = thrown(() => buildPppdArgs({ linkName: 'l', extra: ['password', 'hunter2'] }));
    expect(error.code).toBe('PPP_OPTIONS');
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
  });
});

describe('buildPppdArgs: the peer\'s DNS servers', () => {
  it('asks for them only when told to, with dialbond\'s own ip-up script', () => {
    const args = buildPppdArgs({ linkName: 'line0', usePeerDns: true, ipUpScript: '/usr/lib/dialbond/ppp/ip-up' });
    expect(args).toContain('usepeerdns');
    expect(valueOf(args, 'ip-up-script')).toBe('/usr/lib/dialbond/ppp/ip-up');
    const plain = buildPppdArgs({ linkName: 'line0' });
    expect(plain).not.toContain('usepeerdns');
    expect(plain).not.toContain('ip-up-script');
  });

  it('the ip-up script must be an absolute path, usePeerDns a boolean', () => {
    expect(thrown(() => buildPppdArgs({ linkName: 'l', ipUpScript: 'ip-up' })).details).toMatchObject({ field: 'ipUpScript' });
    expect(thrown(() => buildPppdArgs({ linkName: 'l', usePeerDns: 'yes' as unknown as boolean })).details).toMatchObject({ field: 'usePeerDns' });
  });

  it('refuses usepeerdns in extra: the dns setting decides, and takes the servers back', () => {
    const error = thrown(() => buildPppdArgs({ linkName: 'l', extra: ['usepeerdns'] }));
    expect(error.code).toBe('PPP_OPTIONS');
    expect(error.details).toMatchObject({ field: 'extra[0]', option: 'usepeerdns' });
  });
});

describe('buildPppdArgs: IPv6', () => {
  it('+ipv6 when asked, noipv6 when refused, nothing when not said', () => {
    expect(buildPppdArgs({ linkName: 'l', ipv6: true })).toContain('+ipv6');
    const off = buildPppdArgs({ linkName: 'l', ipv6: false });
    expect(off).toContain('noipv6');
    expect(off).not.toContain('+ipv6');
    const plain = buildPppdArgs({ linkName: 'l' });
    expect(plain.filter((a) => a.includes('ipv6'))).toEqual([]);
  });

  it('ipv6 must be a boolean, and extra cannot say otherwise', () => {
    expect(thrown(() => buildPppdArgs({ linkName: 'l', ipv6: 'yes' as unknown as boolean })).details).toMatchObject({ field: 'ipv6' });
    for (const word of ['+ipv6', '-ipv6', 'noipv6']) expect(thrown(() => buildPppdArgs({ linkName: 'l', extra: [word] })).details).toMatchObject({ option: word });
  });
});
