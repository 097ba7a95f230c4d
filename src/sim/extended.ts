/**
 * Extended-syntax commands (`+NAME`, V.250 5.4): the V.250 identification and DTE-DCE
 * interface commands every modem accepts, and, when the scenario has a `gsm` section, the
 * 3GPP TS 27.007 commands a cellular dialer sends (+CPIN, +CSQ, +CREG, +CGDCONT, +CMEE).
 * Unknown names answer ERROR.
 */
import type { GsmSpec, IdentitySpec } from './scenario.js';

/** What an extended command answers: information lines, then a final result (OK if absent). */
export interface ExtendedAnswer {
  info: string[];
  /** A final result other than OK (ERROR, +CME ERROR: ...). */
  final?: string;
}

type PinState = GsmSpec['pin'];

/** 27.007 9.2: +CME ERROR codes for the SIM states. */
const CME_CODES: Record<string, number> = {
  'SIM not inserted': 10,
  'SIM PIN required': 11,
  'operation not allowed': 3,
  'operation not supported': 4,
  'incorrect password': 16,
};

/** V.250 6.1 identification, answered by every modem (27.007 5.1's +CGMI... by GSM ones). */
function identAnswers(identity: IdentitySpec): Record<string, string> {
  return { '+GMI': identity.manufacturer, '+GMM': identity.model, '+GMR': identity.revision, '+GSN': '0000000000' };
}

/** Accepted and remembered, answered back on `?` (V.250 6.2 interface, 6.4 modulation; T.31 +FCLASS). */
const SETTABLE: Record<string, string> = {
  '+IPR': '0',
  '+ICF': '3,3',
  '+IFC': '2,2',
  '+FCLASS': '0',
  '+MS': 'V34,1,300,33600,300,33600',
  '+ES': '3,0,2',
  '+DS': '3,0,2048,32',
  '+ER': '0',
  '+DR': '0',
};

/** The state extended commands keep between lines (GSM registration, stored contexts). */
export class ExtendedCommands {
  private pin: PinState | undefined;
  /** +CMEE (27.007 9.1): 0 plain ERROR, 1 numeric, 2 verbose. Verbose by default here so a
   * dialer's log shows the cause; many modems ship with 0. */
  private cmee = 2;
  private readonly settings = new Map<string, string>();
  private readonly contexts = new Map<number, string>();

  private readonly ident: Record<string, string>;

  constructor(
    private readonly gsm: GsmSpec | undefined,
    identity: IdentitySpec,
  ) {
    this.pin = gsm?.pin;
    this.ident = identAnswers(identity);
  }

  /** Whether a packet-data dial (ATD*99#) may proceed; the error to answer if not. */
  packetDialError(): string | undefined {
    if (!this.gsm) return undefined;
    if (this.pin === 'SIM not inserted') return this.cmeError('SIM not inserted');
    if (this.pin === 'SIM PIN') return this.cmeError('SIM PIN required');
    return undefined;
  }

  private cmeError(cause: string): string {
    if (this.cmee === 0) return 'ERROR';
    if (this.cmee === 1) return `+CME ERROR: ${CME_CODES[cause] ?? 100}`;
    return `+CME ERROR: ${cause}`;
  }

  /** Runs one extended command. */
  run(name: string, op: 'exec' | 'set' | 'query' | 'test', args: string): ExtendedAnswer {
    const ident = this.ident[name] ?? (this.gsm ? this.ident[name.replace(/^\+CG/, '+G')] : undefined);
    if (ident !== undefined && (op === 'exec' || op === 'test')) return { info: op === 'exec' ? [ident] : [] };
    if (name === '+GCAP' && op === 'exec') return { info: [`+GCAP: +FCLASS,+MS,+ES,+DS${this.gsm ? ',+CGSM' : ''}`] };
    const settable = SETTABLE[name];
    if (settable !== undefined) return this.setting(name, op, args, settable);
    if (this.gsm) {
      const answer = this.gsmCommand(name, op, args);
      if (answer) return answer;
    }
    return { info: [], final: 'ERROR' };
  }

  private setting(name: string, op: string, args: string, initial: string): ExtendedAnswer {
    if (op === 'set') {
      this.settings.set(name, args);
      return { info: [] };
    }
    if (op === 'query') return { info: [`${name}: ${this.settings.get(name) ?? initial}`] };
    if (op === 'test') return { info: [`${name}: (0-255)`] };
    return { info: [] };
  }

  private gsmCommand(name: string, op: string, args: string): ExtendedAnswer | undefined {
    switch (name) {
      case '+CMEE':
        if (op === 'set' && /^[012]?$/.test(args)) {
          this.cmee = Number(args || '0');
          return { info: [] };
        }
        if (op === 'query') return { info: [`+CMEE: ${this.cmee}`] };
        if (op === 'test') return { info: ['+CMEE: (0-2)'] };
        return { info: [], final: 'ERROR' };
      case '+CPIN':
        if (op === 'query') {
          if (this.pin === 'SIM not inserted') return { info: [], final: this.cmeError('SIM not inserted') };
          return { info: [`+CPIN: ${this.pin}`] };
        }
        if (op === 'set') {
          // Any 4-8 digit PIN unlocks the simulated SIM (27.007 8.3).
          if (this.pin === 'SIM not inserted') return { info: [], final: this.cmeError('SIM not inserted') };
          if (!/^"?\d{4,8}"?(,.*)?$/.test(args)) return { info: [], final: this.cmeError('incorrect password') };
          this.pin = 'READY';
          return { info: [] };
        }
        return { info: [], final: 'ERROR' };
      case '+CSQ':
        if (op === 'exec') return { info: [`+CSQ: ${this.gsm!.csq}`] };
        if (op === 'test') return { info: ['+CSQ: (0-31,99),(0-7,99)'] };
        return { info: [], final: 'ERROR' };
      case '+CREG':
      case '+CGREG':
        // 27.007 7.2: <n>,<stat>; stat 1 = registered, home network; 0 = not searching.
        if (op === 'query') return { info: [`${name}: 0,${this.pin === 'READY' ? 1 : 0}`] };
        if (op === 'set' || op === 'test') return { info: op === 'test' ? [`${name}: (0-2)`] : [] };
        return { info: [], final: 'ERROR' };
      case '+CGDCONT':
        return this.cgdcont(op, args);
      case '+CGATT':
      case '+CFUN':
        if (op === 'query') return { info: [`${name}: 1`] };
        return { info: [] };
      case '+COPS':
        if (op === 'query') return { info: [this.pin === 'READY' ? '+COPS: 0,0,"dialbond sim",2' : '+COPS: 0'] };
        return { info: [] };
      case '+CIMI':
        if (this.pin !== 'READY') return { info: [], final: this.cmeError(this.pin === 'SIM PIN' ? 'SIM PIN required' : 'SIM not inserted') };
        return { info: ['001010123456789'] };
      default:
        return undefined;
    }
  }

  /** +CGDCONT=<cid>,"<PDP type>","<APN>" (27.007 10.1.1). */
  private cgdcont(op: string, args: string): ExtendedAnswer {
    if (op === 'test') return { info: ['+CGDCONT: (1-16),"IP",,,(0-2),(0-4)'] };
    if (op === 'query') {
      return { info: [...this.contexts.entries()].sort(([a], [b]) => a - b).map(([cid, rest]) => `+CGDCONT: ${cid},${rest}`) };
    }
    if (op === 'set') {
      const match = /^(\d+)(?:,(.*))?$/.exec(args);
      const cid = match ? Number(match[1]) : NaN;
      if (!match || cid < 1 || cid > 16) return { info: [], final: this.cmeError('operation not allowed') };
      if (match[2] === undefined) this.contexts.delete(cid);
      else this.contexts.set(cid, match[2]);
      return { info: [] };
    }
    return { info: [], final: 'ERROR' };
  }
}
