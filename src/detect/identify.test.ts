import { describe, expect, it } from 'vitest';
import { describeIdentity, identificationValue, pickProfile, simStateOf, type ModemIdentity } from './identify.js';

const profiles = [
  { name: 'my-huawei', identify: ['\\bE173\\b'] },
  { name: 'usr-courier', identify: ['u\\.? ?s\\.? ?robotics.*courier'] },
  { name: 'gsm', identify: [] },
  { name: 'generic', identify: [] },
];
const identity = (more: Partial<ModemIdentity>): ModemIdentity => ({ ati: [], ati3: [], ...more });

describe('what a modem says it is', () => {
  it('reads +GMI/+CGMI answers with or without their prefix, over several lines', () => {
    expect(identificationValue(['+CGMI: huawei'], 'AT+CGMI')).toBe('huawei');
    expect(identificationValue(['Sierra Wireless, Incorporated'], 'AT+GMI')).toBe('Sierra Wireless, Incorporated');
    expect(identificationValue(['MC7710', ''], 'AT+GMM')).toBe('MC7710');
    expect(identificationValue([], 'AT+GMR')).toBeUndefined();
  });

  it('tells the SIM state from +CPIN: lines and from +CME ERROR numbers or texts; a plain ERROR is no SIM at all', () => {
    expect(simStateOf({ info: ['+CPIN: READY'] })).toEqual({ state: 'ready', text: 'READY' });
    expect(simStateOf({ info: ['+CPIN: SIM PIN'] })?.state).toBe('pin');
    expect(simStateOf({ info: ['+CPIN: SIM PUK'] })?.state).toBe('puk');
    expect(simStateOf({ info: [], final: { result: 'cme-error', text: '+CME ERROR: 10', errorCode: 10 } })?.state).toBe('not-inserted');
    expect(simStateOf({ info: [], final: { result: 'cme-error', text: '+CME ERROR: SIM not inserted', errorText: 'SIM not inserted' } })?.state).toBe('not-inserted');
    expect(simStateOf({ info: [], final: { result: 'cme-error', text: '+CME ERROR: 11', errorCode: 11 } })?.state).toBe('pin');
    expect(simStateOf({ info: [], final: { result: 'error', text: 'ERROR' } })).toBeUndefined();
  });

  it('names a modem by maker and model without repeating the maker', () => {
    expect(describeIdentity(identity({ manufacturer: 'Sierra Wireless', model: 'Sierra Wireless MC7710' }))).toBe('Sierra Wireless MC7710');
    expect(describeIdentity(identity({ manufacturer: 'U.S. Robotics', model: 'Courier' }))).toBe('U.S. Robotics Courier');
    expect(describeIdentity(identity({ ati3: ['ZyXEL U-1496'] }))).toBe('ZyXEL U-1496');
    expect(describeIdentity(identity({}))).toBe('a modem that does not name itself');
  });

  it('picks the first profile whose pattern matches, then gsm for a modem with a SIM, then generic', () => {
    expect(pickProfile(identity({ ati3: ['U.S. Robotics Courier V.Everything EXT PnP'] }), profiles).profile).toBe('usr-courier');
    // A user's own profile comes first in the search path and wins over the gsm rule.
    expect(pickProfile(identity({ model: 'E173', sim: { state: 'ready', text: 'READY' } }), profiles)).toMatchObject({ profile: 'my-huawei', why: expect.stringContaining('my-huawei') });
    expect(pickProfile(identity({ model: 'MC7710', sim: { state: 'pin', text: 'SIM PIN' } }), profiles)).toMatchObject({ profile: 'gsm', why: expect.stringContaining('SIM PIN') });
    expect(pickProfile(identity({ ati: ['56000'] }), profiles).profile).toBe('generic');
  });
});
