import { describe, expect, it } from 'vitest';
import { recordingExec } from './exec.js';
import { parseRouterAdvertisement, solicitRouterDns } from './router-advert.js';

/** rdisc6 1.0.5 -1 -n against radvd with RDNSS and DNSSL, as printed. */
const ANSWER = `Soliciting ff02::2 (ff02::2) on ppp0...

Hop limit                 :           64 (      0x40)
Stateful address conf.    :           No
Stateful other conf.      :           No
Mobile home agent         :           No
Router preference         :       medium
Neighbor discovery proxy  :           No
Router lifetime           :           12 (0x0000000c) seconds
Reachable time            :  unspecified (0x00000000)
Retransmit time           :  unspecified (0x00000000)
 Prefix                   : 2001:db8:0:7::/64
  On-link                 :          Yes
  Autonomous address conf.:          Yes
  Valid time              :        86400 (0x00015180) seconds
  Pref. time              :        14400 (0x00003840) seconds
 Recursive DNS server     : 2001:db8:53::1
 Recursive DNS server     : 2001:DB8:53::2
  DNS servers lifetime    :            4 (0x00000004) seconds
 DNS search list          : lab.example isp.example 
  DNS search list lifetime:            4 (0x00000004) seconds
 from fe80::f8ec:24ff:fe49:6418
`;

describe('parseRouterAdvertisement', () => {
  it('reads the servers, their lifetime and the search list, not the prefix or the router', () => {
    expect(parseRouterAdvertisement(ANSWER)).toEqual({ servers: ['2001:db8:53::1', '2001:db8:53::2'], lifetimeS: 4, searchDomains: ['lab.example', 'isp.example'] });
  });

  it('has no servers for an advertisement without RDNSS, or one that withdraws them (lifetime 0)', () => {
    const withoutDns = ANSWER.split('\n').filter((l) => !/DNS/.test(l)).join('\n');
    expect(parseRouterAdvertisement(withoutDns)).toEqual({ servers: [], lifetimeS: null, searchDomains: [] });
    const withdrawn = ANSWER.replace('4 (0x00000004) seconds', '0 (0x00000000) seconds');
    expect(parseRouterAdvertisement(withdrawn).servers).toEqual([]);
  });

  it('reads the first advertisement only', () => {
    const second = ANSWER.replace(/2001:db8:53::1/g, '2001:db8:99::1').replace('2001:DB8:53::2', '2001:db8:99::2');
    expect(parseRouterAdvertisement(`${ANSWER}\n${second}`).servers).toEqual(['2001:db8:53::1', '2001:db8:53::2']);
  });

  it('skips what is not an address', () => {
    expect(parseRouterAdvertisement(' Recursive DNS server     : dns.example\n').servers).toEqual([]);
  });
});

describe('solicitRouterDns', () => {
  it('solicits on the interface, numeric, first answer, and reads it', async () => {
    const exec = recordingExec(() => ({ stdout: ANSWER }));
    expect((await solicitRouterDns('ppp0', { exec, attempts: 2, waitMs: 500 })).servers).toEqual(['2001:db8:53::1', '2001:db8:53::2']);
    expect(exec.calls).toEqual(['rdisc6 -1 -n -r 2 -w 500 ppp0']);
  });

  it('has no servers when no router answered (status 2), and says what failed otherwise', async () => {
    const silent = recordingExec(() => ({ stdout: 'Soliciting ff02::2 (ff02::2) on ppp0...\nTimed out.\nNo response.\n', exitCode: 2 }));
    expect(await solicitRouterDns('ppp0', { exec: silent })).toEqual({ servers: [], lifetimeS: null, searchDomains: [] });
    const gone = recordingExec(() => ({ stderr: 'ppp7: No such device\n', exitCode: 1 }));
    await expect(solicitRouterDns('ppp7', { exec: gone })).rejects.toMatchObject({ code: 'SYS_COMMAND_FAILED', message: expect.stringContaining('ppp7: No such device') });
  });

  it('refuses a name that is not an interface, before running anything', async () => {
    const exec = recordingExec();
    for (const name of ['-h', 'a b', '', 'ppp0123456789abc']) await expect(solicitRouterDns(name, { exec })).rejects.toMatchObject({ code: 'SYS_COMMAND_FAILED', message: expect.stringContaining('not an interface name') });
    expect(exec.calls).toEqual([]);
  });
});
