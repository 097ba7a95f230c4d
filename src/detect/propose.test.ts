import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { proposalYaml, proposeConfig, type DetectedModem } from './propose.js';

const modem = (more: Partial<DetectedModem>): DetectedModem => ({
  device: '/dev/ttyS0',
  rate: 115200,
  identity: { ati: [], ati3: [] },
  choice: { profile: 'generic', why: 'no profile names it' },
  profileRate: 115200,
  profileHasNumber: false,
  usesApn: false,
  ...more,
});
const stick = (device: string, iface: number, serial?: string) => ({ device, usb: { vendor: '1199', product: '68c0', interface: iface, ...(serial ? { serial } : {}) } });

describe('the configuration detect proposes', () => {
  it('names a USB modem by match, with interface when its device has other ports and serial when another device is of its model', () => {
    const cell = modem({ ...stick('/dev/ttyUSB1', 3, 'A1'), identity: { ati: [], ati3: [], sim: { state: 'ready', text: 'READY' } }, choice: { profile: 'gsm', why: '' }, profileHasNumber: true, usesApn: true, apnDefault: 'internet' });
    const alone = proposeConfig([cell], [stick('/dev/ttyUSB1', 3, 'A1')]);
    expect(alone.config.links).toEqual([{ name: 'cell0', match: { usb: '1199:68c0' }, profile: 'gsm' }]);
    const siblings = proposeConfig([cell], [stick('/dev/ttyUSB0', 0, 'A1'), stick('/dev/ttyUSB1', 3, 'A1'), stick('/dev/ttyUSB2', 3, 'B2')], { apn: 'web' });
    expect(siblings.config.links).toEqual([{ name: 'cell0', match: { usb: '1199:68c0', serial: 'A1', interface: 3 }, profile: 'gsm', variables: { apn: 'web' } }]);
    // Two sticks of one model and no serial numbers: only the path tells them apart.
    const twins = proposeConfig([modem(stick('/dev/ttyUSB0', 0))], [stick('/dev/ttyUSB0', 0), stick('/dev/ttyUSB1', 0)]);
    expect(twins.config.links).toMatchObject([{ device: '/dev/ttyUSB0' }]);
    // One without a serial number beside one with: a match without serial would fit both.
    const unnamed = proposeConfig([modem(stick('/dev/ttyUSB0', 0))], [stick('/dev/ttyUSB0', 0), stick('/dev/ttyUSB1', 0, 'B2')]);
    expect(unnamed.config.links).toMatchObject([{ device: '/dev/ttyUSB0' }]);
  });

  it('keeps a rate other than the profile\'s, and says what is left to fill in', () => {
    const slow = proposeConfig([modem({ rate: 38400 }), modem({ device: '/dev/ttyACM0', rate: 9600 })], []);
    expect(slow.config.links).toMatchObject([{ name: 'line0', device: '/dev/ttyS0', baud: 38400 }, { name: 'line1', device: '/dev/ttyACM0' }]);
    expect((slow.config.links as Array<Record<string, unknown>>)[1]).not.toHaveProperty('baud');
    expect(slow.todo.line0).toEqual([expect.stringContaining('--number')]);
    const numbered = proposeConfig([modem({})], [], { numbers: ['5551234'], mode: 'eql', address: '203.0.113.100' });
    expect(numbered.todo).toEqual({});
    expect(numbered.config).toEqual({ bundle: { mode: 'eql', address: '203.0.113.100' }, links: [{ name: 'line0', device: '/dev/ttyS0', profile: 'generic', numbers: ['5551234'] }] });
  });

  it('writes YAML whose comments say what each port is and that loads as a configuration', () => {
    const modems = [modem({ identity: { ati: [], ati3: [], manufacturer: 'Zoom', model: 'V.34' }, choice: { profile: 'zoom-v34', why: 'its identification matches /zoom/' } })];
    const proposal = proposeConfig(modems, [], { numbers: ['5551234'] });
    const text = proposalYaml(proposal, modems, ['found 1 modem']);
    expect(text).toMatch(/^# found 1 modem\n/);
    expect(text).toMatch(/# \/dev\/ttyS0: Zoom V\.34, answers at 115200 bps; profile zoom-v34: its identification matches \/zoom\//);
    expect(parseConfig(parse(text), 'proposed.yaml').links).toMatchObject([{ name: 'line0', profile: 'zoom-v34', numbers: ['5551234'] }]);
  });
});
