/**
 * Test doubles for src/sys: a router as the router journal and the bundle backends see
 * it through `ip`, `tc` and `nft` (an Exec of our own interface, no library mocked).
 */
import type { Exec, ExecResult } from './exec.js';
import type { RouteJson } from './journal-changes.js';

/** A route of the fake router; `family: '6'` marks an IPv6 one (IPv4 when absent). */
export type Route = RouteJson & { table: string; family?: '6' };

/**
 * A router as the journal sees it through `ip`, `tc` and `nft`: enough of the kernel's
 * behaviour to check what the journal records and what it puts back (a route per table,
 * destination and metric; rules; nft tables; root qdiscs; devices whose routes go with them),
 * IPv4 and IPv6 apart, as the kernel keeps them (`-6`, or an IPv6 address in the command).
 */
export class FakeRouter {
  routes: Route[] = [];
  rules: string[] = [];
  nft = new Map<string, string>();
  qdiscs = new Map<string, string>();
  devices = new Set<string>(['wan0', 'teql0', 'ppp0', 'ppp1']);
  sysctls = new Map<string, string>([['net.ipv4.tcp_reordering', '3']]);
  /** Commands that changed something, in order. */
  changes: string[] = [];
  /** Called before each changing command runs (to look at the state file then). */
  onChange: (line: string) => void = () => undefined;

  readonly exec: Exec = async (command, args, options = {}) => {
    const result = this.answer(command, [...args], options.input);
    if (result.exitCode !== 0 && !options.allowFailure) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
    return result;
  };

  removeDevice(dev: string): void {
    this.devices.delete(dev);
    this.routes = this.routes.filter((r) => r.dev !== dev && !(r.nexthops ?? []).some((n) => n.dev === dev));
    this.qdiscs.delete(dev);
  }

  private answer(command: string, args: string[], input?: string): ExecResult {
    const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
    const fail = (stderr: string): ExecResult => ({ stdout: '', stderr, exitCode: 2 });
    const words = args.filter((a) => !/^-[46j]$/.test(a));
    const six = args.includes('-6') || (!args.includes('-4') && words.some((w) => /^[0-9a-f]*:[0-9a-f:]*(\/\d+)?$/i.test(w)));
    const ofFamily = (r: Route) => (r.family === '6') === six;
    const line = [command, ...words].join(' ');
    const value = (name: string) => {
      const at = words.indexOf(name);
      return at >= 0 ? words[at + 1] : undefined;
    };
    if (command === 'ip' && words[0] === 'route' && words[1] === 'show') {
      const table = value('table') ?? 'main';
      const exact = value('exact');
      return ok(JSON.stringify(this.routes.filter((r) => ofFamily(r) && r.table === table && (exact === undefined || r.dst === exact)).map(({ table: _t, family: _f, ...r }) => r)));
    }
    if (command === 'ip' && words[0] === 'route') {
      this.onChange(line);
      const dst = words[1] === 'flush' ? '' : words[2]!;
      const route: Route = { dst: dst === '::/0' ? 'default' : dst, table: value('table') ?? 'main', ...(six ? { family: '6' as const } : {}) };
      if (value('via')) route.gateway = value('via');
      if (value('dev')) route.dev = value('dev');
      if (value('proto')) route.protocol = value('proto');
      if (value('metric')) route.metric = Number(value('metric'));
      else if (six && words[1] === 'replace') route.metric = 1024; // the kernel's IPv6 default
      // a delete that names no metric takes the first route to dst whatever its metric, as the kernel's
      const anyMetric = words[1] === 'del' && !value('metric');
      const sameKey = (r: Route) => ofFamily(r) && r.table === route.table && r.dst === route.dst && (anyMetric || (r.metric ?? 0) === (route.metric ?? 0));
      if (words[1] === 'flush') {
        this.routes = this.routes.filter((r) => !ofFamily(r) || r.table !== route.table);
      } else if (words[1] === 'replace') {
        if (route.dev && !this.devices.has(route.dev)) return fail('Cannot find device');
        this.routes = [...this.routes.filter((r) => !sameKey(r)), route];
      } else if (words[1] === 'del') {
        const found = this.routes.find((r) => sameKey(r) && (!route.dev || r.dev === route.dev) && (!route.gateway || r.gateway === route.gateway));
        if (!found) return fail('No such process');
        this.routes = this.routes.filter((r) => r !== found);
      }
      this.changes.push(line);
      return ok();
    }
    if (command === 'ip' && words[0] === 'rule') {
      this.onChange(line);
      const rule = `${six ? '-6 ' : ''}${words.slice(2).join(' ')}`;
      if (words[1] === 'add') {
        if (this.rules.includes(rule)) return fail('File exists');
        this.rules.push(rule);
      } else {
        if (!this.rules.includes(rule)) return fail('No such file or directory');
        this.rules = this.rules.filter((r) => r !== rule);
      }
      this.changes.push(line);
      return ok();
    }
    if (command === 'nft' && words[0] === 'list') {
      const text = this.nft.get(`${words[2]} ${words[3]}`);
      return text === undefined ? fail('No such file or directory') : ok(text);
    }
    if (command === 'nft' && words[0] === 'delete') {
      this.changes.push(line);
      return this.nft.delete(`${words[2]} ${words[3]}`) ? ok() : fail('No such file or directory');
    }
    if (command === 'nft' && words[0] === '-f') {
      this.onChange(line);
      // The scripts used here: "table F N / delete table F N / table F N { ... }".
      const made = /^table (\S+) (\S+) \{[\s\S]*$/m.exec(input ?? '');
      if (made) this.nft.set(`${made[1]} ${made[2]}`, made[0].trim());
      this.changes.push(`${line}: ${made ? `table ${made[1]} ${made[2]}` : ''}`);
      return ok();
    }
    if (command === 'tc' && words[1] === 'show') return ok(this.qdiscs.get(value('dev')!) ?? `qdisc noqueue 0: root refcnt 2\n`);
    if (command === 'tc') {
      const dev = value('dev')!;
      this.changes.push(line);
      if (words[1] === 'del') this.qdiscs.delete(dev);
      else this.qdiscs.set(dev, `qdisc ${words.slice(words.indexOf('root') + 1).join(' ')}\n`);
      return ok();
    }
    return ok();
  }
}

