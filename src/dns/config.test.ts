import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { DialbondError } from '../errors/index.js';
import { DIALBOND_IP_UP, pppDnsOptions } from './setting.js';

const base = { bundle: { mode: 'perconn' }, links: [{ name: 'slirp0', command: ['slirp-fullbolt', 'ppp'] }] };

function refusal(data: unknown): DialbondError {
  try {
    parseConfig(data, 'router.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(DialbondError);
    return error as DialbondError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the dns setting', () => {
  it('is "peer" unless said otherwise; "none" and a list of addresses are taken as they are', () => {
    expect(parseConfig(base, 'router.yaml').dns).toBe('peer');
    expect(parseConfig({ ...base, dns: 'none' }, 'router.yaml').dns).toBe('none');
    expect(parseConfig({ ...base, dns: ['192.0.2.53', '2001:db8::53'] }, 'router.yaml').dns).toEqual(['192.0.2.53', '2001:db8::53']);
  });

  it('a bad address is CONFIG_INVALID naming the file and the entry', () => {
    const error = refusal({ ...base, dns: ['192.0.2.53', '192.0.2.300'] });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details.problems).toEqual([expect.stringMatching(/^router\.yaml: dns\[1\]: expected an IPv4 or IPv6 address/)]);
  });

  it('an unknown word or an empty list is CONFIG_INVALID naming dns', () => {
    expect(refusal({ ...base, dns: 'isp' }).details.problems).toEqual([expect.stringMatching(/^router\.yaml: dns: expected "peer", "none" or a list of addresses/)]);
    expect(refusal({ ...base, dns: [] }).details.problems).toEqual([expect.stringMatching(/^router\.yaml: dns: expected at least one address/)]);
  });

  it('only "peer" asks pppd for the peer\'s servers, with dialbond\'s ip-up script, which exists and is executable', () => {
    expect(pppDnsOptions('peer')).toEqual({ usePeerDns: true, ipUpScript: DIALBOND_IP_UP });
    expect(pppDnsOptions('none')).toEqual({});
    expect(pppDnsOptions(['192.0.2.53'])).toEqual({});
    expect(existsSync(DIALBOND_IP_UP)).toBe(true);
    expect(statSync(DIALBOND_IP_UP).mode & 0o111).not.toBe(0);
  });
});
