import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DialbondError } from '../errors/index.js';
import { loadConfig, parseConfig } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'dialbond-config-'));
const pw = join(dir, 'pw');
writeFileSync(pw, 'secret\n', { mode: 0o600 });

const good = {
  bundle: { mode: 'teql', address: '203.0.113.100' },
  links: [
    { name: 'line0', device: '/dev/ttyS0', profile: 'zoom-v34', numbers: ['5551234'], login: { user: 'u', passwordFile: pw } },
    { name: 'slirp0', command: ['slirp-fullbolt', 'ppp'], ppp: { localIp: '10.0.2.15', remoteIp: '10.0.2.2' } },
  ],
};

function problems(data: unknown, file = 'test.yaml'): string[] {
  try {
    parseConfig(data, file);
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    expect((error as DialbondError).code).toBe('CONFIG_INVALID');
    return (error as DialbondError).details.problems as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('accepts a modem link and a pty link and fills the defaults', () => {
    const config = parseConfig(good, 'test.yaml');
    expect(config.bundle.routes).toEqual(['default']);
    expect(config.supervisor.redial).toEqual({ initial: 2000, factor: 2, max: 300_000, jitter: 0.2 });
    expect(config.control).toEqual({ socket: '/run/dialbond/control.sock', mode: '0660' });
    expect(config.links.map((l) => ('device' in l ? 'modem' : 'pty'))).toEqual(['modem', 'pty']);
  });

  it('names the file and the field path of every problem', () => {
    const found = problems({
      bundle: { mode: 'bonding', address: '300.1.1.1' },
      links: [{ name: 'line0', device: 'ttyS0', numbers: [5551234] }],
      supervisor: { redial: { initial: 'soon' } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^test\.yaml: bundle\.mode: /),
        expect.stringMatching(/^test\.yaml: bundle\.address: expected an IPv4 address/),
        expect.stringMatching(/^test\.yaml: links\[0\]\.device: expected an absolute path/),
        expect.stringMatching(/^test\.yaml: links\[0\]\.numbers\[0\]: /),
        expect.stringMatching(/^test\.yaml: supervisor\.redial\.initial: expected a duration/),
      ]),
    );
  });

  it('shapes the lines by default, takes shape: false and a share, refuses a share out of range and a rate too low', () => {
    expect(parseConfig(good, 'test.yaml').bundle.queue).toEqual({ shape: true, share: 0.95 });
    expect(parseConfig({ ...good, bundle: { ...good.bundle, queue: { shape: false } } }, 'test.yaml').bundle.queue.shape).toBe(false);
    expect(problems({ ...good, bundle: { ...good.bundle, queue: { share: 1.5 } } })).toEqual([expect.stringMatching(/bundle\.queue\.share: /)]);
    expect(problems({ ...good, links: [{ ...good.links[0], rate: 50 }] })).toEqual([expect.stringMatching(/links\[0\]\.rate: /)]);
  });

  it('takes IPv6: bundle.ipv6, a link\'s ppp.ipv6, IPv6 prefixes to route, a bracketed metrics address', () => {
    expect(parseConfig(good, 'test.yaml').bundle.ipv6).toBe(false);
    const v6 = parseConfig({ ...good, bundle: { ...good.bundle, ipv6: true, routes: ['default', '2001:db8:100::/48', '198.51.100.0/24'] }, metrics: { listen: '[::1]:9410' } }, 'test.yaml');
    expect(v6.bundle).toMatchObject({ ipv6: true, routes: ['default', '2001:db8:100::/48', '198.51.100.0/24'] });
    expect(v6.metrics?.listen).toBe('[::1]:9410');
    expect(parseConfig({ ...good, links: [{ ...good.links[0], ppp: { ipv6: true } }] }, 'test.yaml').links[0]!.ppp.ipv6).toBe(true);
    // every mode carries it; an IPv6 prefix without IPv6, a bad one, links too small for it are refused
    expect(problems({ ...good, bundle: { ...good.bundle, routes: ['2001:db8::/32'] } })).toEqual([expect.stringMatching(/bundle\.routes\[0\]: 2001:db8::\/32 is an IPv6 prefix: it needs bundle\.ipv6: true/)]);
    expect(problems({ ...good, bundle: { ...good.bundle, ipv6: true, routes: ['2001:db8::/129'] } })).toEqual([expect.stringMatching(/bundle\.routes\[0\]: expected "default", an IPv4 prefix like 198\.51\.100\.0\/24 or an IPv6 prefix/)]);
    expect(parseConfig({ ...good, bundle: { mode: 'perconn', ipv6: true } }, 'test.yaml').bundle.ipv6).toBe(true);
    expect(problems({ ...good, bundle: { ...good.bundle, ipv6: true, mtu: 576 } })).toEqual([expect.stringMatching(/bundle\.mtu: IPv6 needs an MTU of at least 1280, not 576/)]);
    expect(problems({ ...good, bundle: { ...good.bundle, ipv6: true }, links: [{ ...good.links[0], ppp: { mtu: 576 } }] })).toEqual([expect.stringMatching(/links\[0\]\.ppp\.mtu: IPv6 needs an MTU of at least 1280/)]);
    expect(problems({ ...good, metrics: { listen: '::1:9410' } })).toEqual([expect.stringMatching(/metrics\.listen: expected host:port like 127\.0\.0\.1:9410 or \[::1\]:9410/)]);
  });

  it('reports a field of the wrong kind of link, and unknown fields', () => {
    expect(problems({ ...good, links: [{ name: 'x', command: ['a'], profile: 'generic' }] })).toEqual([expect.stringMatching(/links\[0\]: unknown field "profile"/)]);
    expect(problems({ ...good, colour: 'blue' })).toEqual([expect.stringMatching(/unknown field "colour"/)]);
  });

  it('refuses duplicate link names, unknown profiles, unreadable password files, a missing number', () => {
    const found = problems({
      bundle: { mode: 'perconn' },
      links: [
        { name: 'a', device: '/dev/ttyS0', numbers: ['1'], profile: 'no-such-modem' },
        { name: 'a', device: '/dev/ttyS1', numbers: ['1'], login: { user: 'u', passwordFile: '/nonexistent/pw' } },
        { name: 'b', device: '/dev/ttyS2' },
      ],
    });
    expect(found).toEqual([
      expect.stringMatching(/links\[0\]\.profile: no dialer profile named "no-such-modem"/),
      expect.stringMatching(/links\[1\]\.name: "a" is already the name of links\[0\]/),
      expect.stringMatching(/links\[1\]\.login\.passwordFile: cannot read \/nonexistent\/pw \(no such file\)/),
      expect.stringMatching(/links\[2\]\.numbers: expected at least one number/),
    ]);
  });

  it('refuses two links on one device, also when one names it through a symlink, naming both fields', () => {
    const device = join(dir, 'ttyS9');
    writeFileSync(device, '');
    const alias = join(dir, 'modem');
    symlinkSync(device, alias);
    const link = (name: string, path: string) => ({ name, device: path, numbers: ['1'] });
    expect(problems({ ...good, links: [link('a', '/dev/ttyS0'), link('b', '/dev/ttyS1'), link('c', '/dev/ttyS0')] })).toEqual([
      expect.stringMatching(/^test\.yaml: links\[2\]\.device: \/dev\/ttyS0 is the device of links\[0\]\.device too: one modem serves one link/),
    ]);
    const found = problems({ ...good, links: [link('a', device), link('b', alias)] });
    expect(found).toEqual([expect.stringMatching(/^test\.yaml: links\[1\]\.device: .*\/modem is the device of links\[0\]\.device too \(both are .*\/ttyS9\)/)]);
  });

  it('takes a USB modem by match instead of a device, refuses both or neither, a malformed id, and one modem matched twice', () => {
    const usb = (name: string, match: Record<string, unknown>) => ({ name, match, numbers: ['1'] });
    expect(parseConfig({ ...good, links: [usb('a', { usb: '1199:68c0', interface: 3 })] }, 'test.yaml').links[0]).toMatchObject({ match: { usb: '1199:68c0', interface: 3 } });
    expect(problems({ ...good, links: [{ ...usb('a', { usb: '1199:68c0' }), device: '/dev/ttyUSB0' }] })).toEqual([expect.stringMatching(/links\[0\]\.device: expected either device .* or match/)]);
    expect(problems({ ...good, links: [{ name: 'a', numbers: ['1'] }] })).toEqual([expect.stringMatching(/links\[0\]\.device: expected either device/)]);
    expect(problems({ ...good, links: [usb('a', { usb: '1199-68c0' })] })).toEqual([expect.stringMatching(/links\[0\]\.match\.usb: expected vendor:product in hex/)]);
    expect(problems({ ...good, links: [usb('a', { usb: '1199:68c0' }), usb('b', { usb: '1199:68C0' })] })).toEqual([expect.stringMatching(/links\[1\]\.match: usb 1199:68c0 is the modem of links\[0\]\.match too/)]);
    expect(problems({ ...good, links: [usb('a', { usb: '1199:68c0', serial: 'X' }), usb('b', { usb: '1199:68c0', serial: 'X' })] })).toEqual([
      expect.stringMatching(/links\[1\]\.match: usb 1199:68c0 serial X is the modem of links\[0\]\.match too/),
    ]);
  });

  it('finds a relative password file beside the configuration file, and says where it looked', () => {
    const link = { name: 'line0', device: '/dev/ttyS0', numbers: ['1'], login: { user: 'u', passwordFile: 'pw' }, ppp: { user: 'web', passwordFile: 'cell.pw' } };
    const found = problems({ ...good, links: [link] }, join(dir, 'dialbond.yaml'));
    expect(found).toEqual([expect.stringMatching(/links\[0\]\.ppp\.passwordFile: cannot read \/.*\/cell\.pw \(no such file\)/)]);
    writeFileSync(join(dir, 'cell.pw'), 'secret\n', { mode: 0o600 });
    const config = parseConfig({ ...good, links: [link] }, join(dir, 'dialbond.yaml'));
    const [parsed] = config.links as Array<{ login: { passwordFile: string }; ppp: { passwordFile: string } }>;
    expect(parsed?.login.passwordFile).toBe(pw);
    expect(parsed?.ppp.passwordFile).toBe(join(dir, 'cell.pw'));
  });

  it('needs a bundle address for eql and teql, and a password file with a PPP user', () => {
    expect(problems({ ...good, bundle: { mode: 'eql' } })).toEqual([expect.stringMatching(/bundle\.address: expected the bundle's own IPv4 address/)]);
    expect(problems({ ...good, bundle: { mode: 'eql', address: '203.0.113.100', device: '-eql' } })).toEqual([expect.stringMatching(/^test\.yaml: bundle\.device: expected an interface name: 1 to 15 letters/)]);
    expect(parseConfig({ ...good, bundle: { mode: 'eql', address: '203.0.113.100', device: 'eql1' } }, 'test.yaml').bundle.device).toBe('eql1');
    expect(problems({ ...good, links: [{ name: 'x', command: ['a'], ppp: { user: 'u' } }] })).toEqual([expect.stringMatching(/links\[0\]\.ppp\.passwordFile: user and passwordFile go together/)]);
  });

  it('reads the shipped example and reports YAML syntax errors with the line', () => {
    const example = join(dir, 'example.yaml');
    writeFileSync(example, 'bundle:\n  mode: eql\n  address: [\n');
    expect(() => loadConfig(example)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/not valid YAML at line \d+/) }));
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'CONFIG_UNREADABLE' }));
  });
});
