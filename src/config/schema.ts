/**
 * The daemon's configuration file (YAML): one bundle, a list of links (modem links or pty
 * links), the supervisor's policies, the control socket and optional metrics. Secrets are
 * never in it: a link names the file its password is in.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { durationSchema } from '../profiles/index.js';
import { DEFAULT_SHAPE_SHARE } from '../bundle/queue.js';
import { INTERFACE_NAME_RULE, isInterfaceName } from '../sys/ifname.js';
import { isLinkName } from '../ppp/link-name.js';

const ipv4 = z.string().refine((v) => isIPv4(v), { message: 'expected an IPv4 address like 203.0.113.1' });
/** An IPv6 prefix: an address, a slash, 0..128 (`ip` takes it as it is). */
export const isIpv6Prefix = (v: string): boolean => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(v) && isIPv6(v.split('/')[0] as string) && Number(v.split('/')[1]) <= 128;
const destination = z.string().refine((v) => v === 'default' || /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(v) && isIPv4(v.split('/')[0] as string) && Number(v.split('/')[1]) <= 32 || isIpv6Prefix(v), {
  message: 'expected "default", an IPv4 prefix like 198.51.100.0/24 or an IPv6 prefix like 2001:db8::/32',
});
const dnsList = z.array(z.string().refine((v) => isIP(v) !== 0, { message: 'expected an IPv4 or IPv6 address like 192.0.2.53' })).min(1, 'expected at least one address');
const dnsWord = z.enum(['peer', 'none'], { errorMap: () => ({ message: 'expected "peer", "none" or a list of addresses' }) });
/** `dns:` (src/dns): the peers' servers (the default), none, or a fixed list while the bundle
 * is up. Validated as the one form it has, so an error names the bad entry (`dns[1]`). */
const dnsSetting = z.any().transform((value, ctx): 'peer' | 'none' | string[] => {
  if (value === undefined) return 'peer';
  const result = Array.isArray(value) ? dnsList.safeParse(value) : dnsWord.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, message: issue.message } as z.IssueData);
  return z.NEVER;
});
const linkName = z.string().refine(isLinkName, 'expected 1-15 letters, digits, ".", "_" or "-" (it names pppd\'s link)');
const absolutePath = z.string().regex(/^\//, 'expected an absolute path');
/** A password file: absolute, or relative to the configuration file's directory (the loader
 * makes it absolute), so a configuration and its secrets can sit side by side. */
const secretFile = z.string().min(1, 'expected the path of a file whose first line is the password');

const pppSchema = z
  .object({
    localIp: ipv4.optional(),
    remoteIp: ipv4.optional(),
    mtu: z.number().int().min(128).max(16384).optional(),
    mru: z.number().int().min(128).max(16384).optional(),
    /** IPv6 over this link (IPV6CP, SLAAC from the ISP's advertisements); by default as bundle.ipv6. */
    ipv6: z.boolean().optional(),
    lcpEchoInterval: z.number().int().positive().optional(),
    lcpEchoFailure: z.number().int().positive().optional(),
    unit: z.number().int().min(0).max(999).optional(),
    requirePeerAuth: z.boolean().optional(),
    /** PAP/CHAP name; the password is read from `passwordFile`. */
    user: z.string().min(1).optional(),
    passwordFile: secretFile.optional(),
    extra: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((p) => (p.user === undefined) === (p.passwordFile === undefined), { message: 'user and passwordFile go together', path: ['passwordFile'] });

const linkCommon = {
  name: linkName,
  ppp: pppSchema.default({}),
  /** A fixed share of traffic; by default the line's CONNECT speed, then its measured throughput. */
  weight: z.number().positive().optional(),
  /** The line's real rate in bit/s, for its shaper (bundle.queue); by default the CONNECT
   * speed, capped by the port's rate on a UART. */
  rate: z.number().int().min(300).optional(),
};

/** A USB modem by what it is, so that it is found whatever it is numbered (sysfs, no udev). */
const usbMatchSchema = z
  .object({
    usb: z.string().regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/, 'expected vendor:product in hex, like 1199:68c0 (lsusb shows them)'),
    serial: z.string().min(1).optional(),
    interface: z.number().int().min(0).max(255).optional(),
  })
  .strict();

const modemLinkSchema = z
  .object({
    ...linkCommon,
    /** The modem's tty: /dev/ttyS0, /dev/ttyACM0, or a /dev/serial/by-id link. */
    device: absolutePath.optional(),
    /** Or the USB modem by vendor:product (serial, interface): found at each dial. */
    match: usbMatchSchema.optional(),
    baud: z.number().int().positive().optional(),
    profile: z.string().min(1).default('generic'),
    numbers: z.array(z.string().min(1)).default([]),
    login: z.object({ user: z.string().min(1), passwordFile: secretFile }).strict().optional(),
    variables: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string()).optional(),
  })
  .strict()
  .superRefine((link, ctx) => {
    if ((link.device === undefined) === (link.match === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['device'], message: 'expected either device (a tty path) or match (a USB modem: usb: vendor:product), not both nor neither' });
    }
  });

const ptyLinkSchema = z
  .object({
    ...linkCommon,
    /** argv of a command speaking PPP on its stdio, e.g. [ssh, -q, -t, user@host, slirp, -1, "0"]. */
    command: z.array(z.string().min(1)).min(1),
  })
  .strict();

/** A link is a pty link when it has "command", else a modem link: validated as that kind
 * alone, so its errors name the real field instead of "no union member matched". */
const linkSchema = z.any().transform((value, ctx): z.output<typeof modemLinkSchema> | z.output<typeof ptyLinkSchema> => {
  const isPty = typeof value === 'object' && value !== null && 'command' in value;
  const result = (isPty ? ptyLinkSchema : modemLinkSchema).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, message: issue.message } as z.IssueData);
  return z.NEVER;
});

export const configSchema = z
  .object({
    bundle: z
      .object({
        mode: z.enum(['eql', 'teql', 'perconn', 'mlppp', 'multipath']),
        address: ipv4.optional(),
        device: z.string().refine(isInterfaceName, `expected an interface name: ${INTERFACE_NAME_RULE}`).optional(),
        mtu: z.number().int().min(128).max(16384).optional(),
        routes: z.array(destination).min(1).default(['default']),
        /** IPv6 too: every link negotiates it (unless its ppp.ipv6 says no), `default` routes
         * both families, and IPv6 prefixes may be routed. */
        ipv6: z.boolean().default(false),
        tcpReordering: z.number().int().min(3).max(300).optional(),
        /** Each line shaped a little under its rate with CAKE, so that the queue of a full
         * line sits where it is managed (src/bundle/queue.ts); `shape: false` turns it off. */
        queue: z
          .object({ shape: z.boolean().default(true), share: z.number().min(0.5).max(1).default(DEFAULT_SHAPE_SHARE) })
          .strict()
          .default({}),
        /** Packets each unshaped line may queue (an SFQ per line; masters get the sum); 0 keeps the kernel's default qdisc. */
        queuePerLine: z.number().int().min(0).max(1000).optional(),
        /** mlppp: pppd's endpoint discriminator for every link, e.g. "IP:203.0.113.1" (pppd(8) endpoint). */
        endpoint: z.string().regex(/^(null|(local|IP|MAC|magic|phone):\S+)$/, 'expected null or local:/IP:/MAC:/magic:/phone: with a value').optional(),
      })
      .strict(),
    links: z.array(linkSchema).min(1, 'expected at least one link'),
    dns: dnsSetting,
    supervisor: z
      .object({
        redial: z
          .object({ initial: durationSchema.default(2000), factor: z.number().min(1).max(10).default(2), max: durationSchema.default(300_000), jitter: z.number().min(0).max(1).default(0.2) })
          .strict()
          .default({}),
        /** Consecutive failures after which a link is parked until someone retries it. */
        parkAfter: z.number().int().positive().default(20),
        /** How long pppd may take from its start to the link up (LCP, auth, IPCP) before
         * the link is taken down and redialed. */
        negotiationTimeout: durationSchema.default(60_000),
        health: z
          .object({
            lcpEchoInterval: z.number().int().positive().default(1),
            lcpEchoFailure: z.number().int().positive().default(3),
            /** An active probe (ping) through each link whose counters show nothing received
             * for an interval; `target` defaults to the link's peer address. */
            probe: z
              .object({ target: z.string().refine((v) => isIP(v) !== 0, { message: 'expected an IPv4 or IPv6 address like 192.0.2.53 or 2001:db8::53' }).optional(), interval: durationSchema.default(5000), timeout: durationSchema.default(2000), failures: z.number().int().positive().default(3) })
              .strict()
              .optional(),
          })
          .strict()
          .default({}),
        starvation: z
          .object({ minShare: z.number().min(0).max(1).default(0.05), busyAbove: z.number().min(0).max(1).default(0.5), window: durationSchema.default(30_000) })
          .strict()
          .default({}),
        onDemand: z
          .object({ minLinks: z.number().int().positive(), upAbove: z.number().min(0).max(1).default(0.8), for: durationSchema.default(30_000), idleDown: durationSchema.default(300_000) })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    control: z
      .object({
        socket: absolutePath.default('/run/dialbond/control.sock'),
        mode: z.string().regex(/^0?[0-7]{3}$/, 'expected an octal mode like "0660"').default('0660'),
        group: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    metrics: z.object({ listen: z.string().regex(/^(?:[^:[\]]+|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, 'expected host:port like 127.0.0.1:9410 or [::1]:9410') }).strict().optional(),
  })
  .strict()
  // Also runs when a part failed (zod goes on to collect every problem): each check looks
  // only at what parsed.
  .superRefine((config, ctx) => {
    const bundle = config.bundle;
    if (!bundle) return;
    // IPv6 needs links of 1280 bytes at least (RFC 8200); Linux gives a smaller one no IPv6.
    if (bundle.ipv6 && bundle.mtu !== undefined && bundle.mtu < 1280) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['bundle', 'mtu'], message: `IPv6 needs an MTU of at least 1280, not ${bundle.mtu}` });
    (config.links ?? []).forEach((link, i) => {
      const mtu = link?.ppp?.mtu;
      if ((link?.ppp?.ipv6 ?? bundle.ipv6) && mtu !== undefined && mtu < 1280) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['links', i, 'ppp', 'mtu'], message: `IPv6 needs an MTU of at least 1280, not ${mtu}` });
    });
    (bundle.routes ?? []).forEach((route, i) => {
      if (!bundle.ipv6 && typeof route === 'string' && isIpv6Prefix(route)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['bundle', 'routes', i], message: `${route} is an IPv6 prefix: it needs bundle.ipv6: true` });
    });
  });

export type DialbondConfig = z.output<typeof configSchema>;
export type ConfigLink = DialbondConfig['links'][number];
export type ConfigModemLink = Exclude<ConfigLink, { command: string[] }>;
export type ConfigUsbMatch = z.output<typeof usbMatchSchema>;

/** Whether a configured link is a modem link (not a pty link). */
export function isModemLink(link: ConfigLink): link is ConfigModemLink {
  return !('command' in link);
}
