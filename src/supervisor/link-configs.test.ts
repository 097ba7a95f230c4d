import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { createLogger, SecretMask } from '../log/index.js';
import { bundleConfigOf, bundleRoutesOf } from './bundle-factory.js';
import { linkConfigOf, secretsOf } from './link-configs.js';

describe('linkConfigOf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dialbond-links-'));
  const loginFile = join(dir, 'isp.password');
  const pppFile = join(dir, 'ppp.password');
  writeFileSync(loginFile, 'login-s3cret\n', { mode: 0o600 });
  writeFileSync(pppFile, 'pap-s3cret\n', { mode: 0o600 });
  const config = parseConfig(
    {
      bundle: { mode: 'mlppp', endpoint: 'IP:203.0.113.1' },
      links: [
        { name: 'line0', device: '/dev/ttyS0', profile: 'zoom-v34', numbers: ['1', '2'], baud: 57600, login: { user: 'u', passwordFile: loginFile }, ppp: { user: 'p', passwordFile: pppFile } },
        { name: 'slirp0', command: ['ssh', 'shell', 'slirp'], ppp: { lcpEchoInterval: 10 } },
      ],
      supervisor: { redial: { initial: '3s', factor: 3, max: '1m', jitter: 0 }, parkAfter: 7, health: { lcpEchoInterval: 2, lcpEchoFailure: 4 } },
    },
    'test.yaml',
  );

  it('carries the redial policy, the LCP echo defaults, multilink and the passwords read from their files', () => {
    const modem = linkConfigOf(config.links[0]!, config, { runDir: '/run/dialbond/ppp' });
    expect(modem).toMatchObject({
      kind: 'modem',
      device: '/dev/ttyS0',
      baudRate: 57600,
      numbers: ['1', '2'],
      login: { user: 'u', password: 'login-s3cret' },
      backoff: { initialMs: 3000, factor: 3, maxMs: 60_000, jitter: 0 },
      parkAfter: 7,
      ppp: { user: 'p', password: 'pap-s3cret', lcpEchoInterval: 2, lcpEchoFailure: 4, multilink: { endpoint: 'IP:203.0.113.1' } },
    });
    expect(modem.kind === 'modem' && modem.profile.name).toBe('zoom-v34');
    const pty = linkConfigOf(config.links[1]!, config, { runDir: '/run/dialbond/ppp' });
    expect(pty).toMatchObject({ kind: 'pty', command: ['ssh', 'shell', 'slirp'], ppp: { lcpEchoInterval: 10, lcpEchoFailure: 4 } });
    expect(secretsOf(modem).sort()).toEqual(['login-s3cret', 'pap-s3cret']);
    expect(secretsOf(pty)).toEqual([]);
  });

  it('the daemon\'s logger masks what secretsOf gives it', () => {
    const modem = linkConfigOf(config.links[0]!, config, { runDir: '/run/dialbond/ppp' });
    const secrets = new SecretMask();
    for (const s of secretsOf(modem)) secrets.add(s);
    let out = '';
    const logger = createLogger({ secrets, destination: new Writable({ write: (chunk, _e, cb) => ((out += String(chunk)), cb()) }) });
    logger.info({ chat: 'sent login-s3cret' }, 'pap-s3cret went by');
    expect(out).not.toContain('s3cret');
    expect(out).toContain('********');
  });
});

describe('linkConfigOf: the dns setting', () => {
  const links = [{ name: 'slirp0', command: ['slirp-fullbolt', 'ppp'] }];
  it('"peer" (the default) asks pppd for the peer\'s servers; "none" and a list do not', () => {
    const peer = parseConfig({ bundle: { mode: 'perconn' }, links }, 'test.yaml');
    expect(linkConfigOf(peer.links[0]!, peer, { runDir: '/run/dialbond/ppp' }).ppp).toMatchObject({ usePeerDns: true, ipUpScript: expect.stringMatching(/\/ppp\/ip-up$/) });
    for (const dns of ['none', ['192.0.2.53']]) {
      const config = parseConfig({ bundle: { mode: 'perconn' }, links, dns }, 'test.yaml');
      expect(linkConfigOf(config.links[0]!, config, { runDir: '/run/dialbond/ppp' }).ppp.usePeerDns).toBeUndefined();
    }
  });
});

describe('IPv6 from the configuration', () => {
  const links = [
    { name: 'line0', device: '/dev/ttyS0', numbers: ['1'] },
    { name: 'line1', device: '/dev/ttyS1', numbers: ['1'], ppp: { ipv6: false } },
  ];
  it('bundle.ipv6 turns it on for every link that does not say otherwise, and routes default in both families', () => {
    const config = parseConfig({ bundle: { mode: 'mlppp', ipv6: true, routes: ['default', '2001:db8::/32', '198.51.100.0/24'] }, links }, 'test.yaml');
    expect(config.links.map((l) => linkConfigOf(l, config, { runDir: '/run/x' }).ppp.ipv6)).toEqual([true, false]);
    expect(bundleConfigOf(config).routes).toEqual(['default', '::/0', '2001:db8::/32', '198.51.100.0/24']);
  });

  it('without it, links say nothing to pppd unless they ask, and default is IPv4 only', () => {
    const config = parseConfig({ bundle: { mode: 'mlppp' }, links: [{ ...links[0], ppp: { ipv6: true } }, { ...links[1], ppp: {} }] }, 'test.yaml');
    expect(config.links.map((l) => linkConfigOf(l, config, { runDir: '/run/x' }).ppp.ipv6)).toEqual([true, undefined]);
    expect(bundleConfigOf(config).routes).toEqual(['default']);
    expect(bundleRoutesOf(['default', '10.0.0.0/8'], false)).toEqual(['default', '10.0.0.0/8']);
  });
});

