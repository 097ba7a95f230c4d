import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PppdLogReader, parsePppdLogLine, type PppLogEvent } from './log.js';

/** pppd 2.4.9's log (logfd 2) from a lab run: a dialed line, IPCP up, then the ISP went silent. */
const LAB_RUN = [
  'Serial connection established.',
  'Using interface ppp0',
  'Connect: ppp0 <--> /tmp/lab-modems-Atado2/modem1',
  'local  IP address 203.0.113.2',
  'remote IP address 198.51.100.2',
  'local  LL address fe80::80e1:2630:b294:444b',
  'remote LL address fe80::e412:12dc:4674:f80c',
  'No response to 3 echo-requests',
  'Serial link appears to be disconnected.',
  'Connect time 0.1 minutes.',
  'Sent 48 bytes, received 48 bytes.',
  'Connection terminated.',
  'Modem hangup',
];

describe('parsePppdLogLine on a lab run', () => {
  it('turns each line into its event; LL addresses are IPV6CP\'s, not IP addresses', () => {
    expect(LAB_RUN.map(parsePppdLogLine)).toEqual([
      { type: 'serial-connected' },
      { type: 'interface', ifname: 'ppp0' },
      { type: 'connect', ifname: 'ppp0', device: '/tmp/lab-modems-Atado2/modem1' },
      { type: 'local-ip', address: '203.0.113.2' },
      { type: 'remote-ip', address: '198.51.100.2' },
      { type: 'local-ll', address: 'fe80::80e1:2630:b294:444b' },
      { type: 'remote-ll', address: 'fe80::e412:12dc:4674:f80c' },
      { type: 'peer-dead', missed: 3 },
      { type: 'link-disconnected' },
      { type: 'connect-time', minutes: 0.1 },
      { type: 'stats', sent: 48, received: 48 },
      { type: 'terminated', multilink: false },
      { type: 'hangup' },
    ]);
  });
});

describe('parsePppdLogLine: other pppd 2.4.9 messages', () => {
  const cases: Array<[string, PppLogEvent | undefined]> = [
    ['Connect: ppp0 <--> /dev/pts/3', { type: 'connect', ifname: 'ppp0', device: '/dev/pts/3' }],
    ['Using interface dial0', { type: 'interface', ifname: 'dial0' }],
    ['Link attached to ppp0', { type: 'bundle-joined', ifname: 'ppp0' }],
    ['local  IP address 10.0.2.15', { type: 'local-ip', address: '10.0.2.15' }],
    ['remote IP address 10.0.2.2', { type: 'remote-ip', address: '10.0.2.2' }],
    // as `ip` prints them: no leading zeros, lower case, zero groups compressed
    ['local  LL address fe80::0a1b:2c3d:4e5f:6071', { type: 'local-ll', address: 'fe80::a1b:2c3d:4e5f:6071' }],
    ['remote LL address fe80::D0C1:B2A3:9485:7607', { type: 'remote-ll', address: 'fe80::d0c1:b2a3:9485:7607' }],
    ['remote LL address fe80::0000:0000:0000:0001', { type: 'remote-ll', address: 'fe80::1' }],
    ['remote LL address 10.0.2.2', undefined],
    ['LCP terminated by peer', { type: 'terminated-by-peer', protocol: 'LCP' }],
    ['LCP terminated by peer (peer refused to authenticate)', { type: 'terminated-by-peer', protocol: 'LCP', reason: 'peer refused to authenticate' }],
    ['LCP terminated by peer (MPPE required but peer refused)', { type: 'terminated-by-peer', protocol: 'LCP', reason: 'MPPE required but peer refused' }],
    ['IPCP terminated by peer', { type: 'terminated-by-peer', protocol: 'IPCP' }],
    ['Link terminated.', { type: 'terminated', multilink: true }],
    ['Sent 96 bytes, received 48 bytes.', { type: 'stats', sent: 96, received: 48 }],
    ['Connect time 2.4 minutes.', { type: 'connect-time', minutes: 2.4 }],
    ['Terminating on signal 15', { type: 'signal', signal: 15 }],
    ['Terminating on signal 2', { type: 'signal', signal: 2 }],
    ['Hangup (SIGHUP)', { type: 'signal', signal: 1 }],
    // The peer refused our credentials: we failed (exit 19).
    ['PAP authentication failed', { type: 'auth-failed', by: 'peer', protocol: 'PAP' }],
    ['PAP authentication failed due to protocol-reject', { type: 'auth-failed', by: 'peer', protocol: 'PAP' }],
    ['CHAP authentication failed', { type: 'auth-failed', by: 'peer', protocol: 'CHAP' }],
    ['CHAP authentication failed: Access denied', { type: 'auth-failed', by: 'peer', protocol: 'CHAP', message: 'Access denied' }],
    ['MS-CHAP authentication failed: E=691 Authentication failure', { type: 'auth-failed', by: 'peer', protocol: 'MS-CHAP', message: 'E=691 Authentication failure' }],
    ['EAP: peer reports authentication failure', { type: 'auth-failed', by: 'peer', protocol: 'EAP' }],
    // We refused the peer (exit 11).
    ['PAP peer authentication failed for "bob"', { type: 'auth-failed', by: 'us', protocol: 'PAP', peerName: 'bob' }],
    ['Peer "bob" failed CHAP authentication', { type: 'auth-failed', by: 'us', protocol: 'CHAP', peerName: 'bob' }],
    ['PAP authentication of peer failed (protocol-reject)', { type: 'auth-failed', by: 'us', protocol: 'PAP' }],
    ['peer refused to authenticate: terminating link', { type: 'auth-failed', by: 'us' }],
    ['PAP authentication succeeded', { type: 'auth-succeeded', by: 'peer', protocol: 'PAP' }],
    ['CHAP authentication succeeded: Welcome', { type: 'auth-succeeded', by: 'peer', protocol: 'CHAP', message: 'Welcome' }],
    ['PAP peer authentication succeeded for "bob"', { type: 'auth-succeeded', by: 'us', protocol: 'PAP', peerName: 'bob' }],
    [
      'Child process /usr/sbin/pptp 149.160.30.68 --nolaunchpppd (pid 6648) terminated with signal 15',
      { type: 'child-exit', program: '/usr/sbin/pptp 149.160.30.68 --nolaunchpppd', pid: 6648, signal: 15 },
    ],
    ['Child process slirp-fullbolt ppp (pid 812) terminated with signal 9', { type: 'child-exit', program: 'slirp-fullbolt ppp', pid: 812, signal: 9 }],
    ['Script pptp vpn.example --nolaunchpppd finished (pid 10547), status = 0x0', { type: 'child-exit', program: 'pptp vpn.example --nolaunchpppd', pid: 10547, status: 0 }],
    ['Script /etc/ppp/ip-up finished (pid 77), status = 0x1', { type: 'child-exit', program: '/etc/ppp/ip-up', pid: 77, status: 1 }],
    ['Script x finished (pid 7), status = 0x7f', { type: 'child-exit', program: 'x', pid: 7, status: 127 }],
    // A line from syslog, and trailing whitespace.
    ['Nov 23 12:07:15 localhost pppd[3841]: Modem hangup', { type: 'hangup' }],
    ['Modem hangup  ', { type: 'hangup' }],
    // Nothing a supervisor acts on.
    ['sent [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0x5f3e2a1b> <pcomp> <accomp>]', undefined],
    ['rcvd [LCP TermReq id=0x3 "peer refused to authenticate"]', undefined],
    ['pppd 2.4.9 started by root, uid 0', undefined],
    ['Renamed interface ppp0 to dial0', undefined],
    ['', undefined],
    ['Modem hangup and more', undefined],
  ];

  it.each(cases)('%j', (line, event) => {
    expect(parsePppdLogLine(line)).toEqual(event);
  });
});

/** Collects a reader's lines and events. */
function collect(reader: PppdLogReader): { lines: string[]; events: PppLogEvent[] } {
  const out = { lines: [] as string[], events: [] as PppLogEvent[] };
  reader.on('line', (line) => out.lines.push(line));
  reader.on('log', (event) => out.events.push(event));
  return out;
}

describe('PppdLogReader', () => {
  it('splits chunks cut anywhere, including inside a UTF-8 character, into lines and events', () => {
    const reader = new PppdLogReader();
    const out = collect(reader);
    const bytes = Buffer.from(`${LAB_RUN.join('\n')}\nConnect: ppp0 <--> /dev/ttyÜ\n`, 'utf8');
    for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3));
    reader.end();
    expect(out.lines).toEqual([...LAB_RUN, 'Connect: ppp0 <--> /dev/ttyÜ']);
    expect(out.events.map((e) => e.type)).toEqual([
      'serial-connected',
      'interface',
      'connect',
      'local-ip',
      'remote-ip',
      'local-ll',
      'remote-ll',
      'peer-dead',
      'link-disconnected',
      'connect-time',
      'stats',
      'terminated',
      'hangup',
      'connect',
    ]);
    expect(out.events.at(-1)).toEqual({ type: 'connect', ifname: 'ppp0', device: '/dev/ttyÜ' });
  });

  it('handles CRLF, skips blank lines, and keeps a last line without a newline', () => {
    const reader = new PppdLogReader();
    const out = collect(reader);
    reader.push('Using interface ppp1\r\n\r\n\nModem ');
    reader.push('hangup');
    expect(out.lines).toEqual(['Using interface ppp1']);
    reader.end();
    expect(out.lines).toEqual(['Using interface ppp1', 'Modem hangup']);
    expect(out.events).toEqual([{ type: 'interface', ifname: 'ppp1' }, { type: 'hangup' }]);
  });

  it('bounds the line length: a long line is cut and its rest dropped', () => {
    const reader = new PppdLogReader({ maxLineLength: 24 });
    const out = collect(reader);
    reader.push('x'.repeat(10));
    reader.push('y'.repeat(10));
    reader.push('z'.repeat(100));
    reader.push('zzz\nModem hangup\n');
    reader.push(`${'w'.repeat(40)}\nConnection terminated.\n`);
    reader.end();
    expect(out.lines).toEqual([`${'x'.repeat(10)}${'y'.repeat(10)}zzzz`, 'Modem hangup', 'w'.repeat(24), 'Connection terminated.']);
    expect(out.events.map((e) => e.type)).toEqual(['hangup', 'terminated']);
  });

  it('reads a stream to its end', async () => {
    const reader = new PppdLogReader();
    const out = collect(reader);
    const stream = new PassThrough();
    reader.attach(stream);
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.write('No response to 4 echo-requests\nSerial link appears');
    stream.end(' to be disconnected.');
    await closed;
    expect(out.events).toEqual([{ type: 'peer-dead', missed: 4 }, { type: 'link-disconnected' }]);
  });
});

describe('parsePppdLogLine: the servers a peer offers (usepeerdns)', () => {
  it('reads the DNS lines pppd logs after the IP addresses, primary and secondary', () => {
    // ipcp.c ipcp_up: notice("primary   DNS address %I") / notice("secondary DNS address %I").
    expect(parsePppdLogLine('primary   DNS address 198.51.100.53')).toEqual({ type: 'dns', rank: 'primary', address: '198.51.100.53' });
    expect(parsePppdLogLine('secondary DNS address 198.51.100.54')).toEqual({ type: 'dns', rank: 'secondary', address: '198.51.100.54' });
    expect(parsePppdLogLine('Nov 23 12:04:56 router pppd[3841]: primary   DNS address 192.0.2.1')).toEqual({ type: 'dns', rank: 'primary', address: '192.0.2.1' });
  });

  it('does not take WINS servers or other lines for DNS', () => {
    expect(parsePppdLogLine('primary   WINS address 198.51.100.7')).toBeUndefined();
    expect(parsePppdLogLine('primary DNS address not-an-address')).toBeUndefined();
  });

  it('a reader emits the DNS lines of a chunk in order, after remote-ip', () => {
    const reader = new PppdLogReader();
    const events: PppLogEvent[] = [];
    reader.on('log', (e) => events.push(e));
    reader.push('local  IP address 203.0.113.1\nremote IP address 198.51.100.1\nprimary   DNS address 198.51.100.53\nsecondary DNS address 198.51.100.54\n');
    expect(events.map((e) => e.type)).toEqual(['local-ip', 'remote-ip', 'dns', 'dns']);
  });
});
