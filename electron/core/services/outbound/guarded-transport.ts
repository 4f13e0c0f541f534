import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { AppError } from '../../../../shared/contract/errors';
import { createHttpTransport, isLoopbackHost, TransportError, type HttpTransport } from '../sync/http-transport';

/**
 * Outbound requests to addresses an admin typed (webhook endpoints, MCP servers): the SSRF guard.
 *
 * - https:// only; http:// only to loopback, and loopback at all only when `allowLoopback` (the
 *   "allow loopback targets for testing" setting).
 * - Every address a host name resolves to is checked at connect time (the transport's `lookup`),
 *   so a DNS name that points at 10.0.0.5 or 169.254.169.254 is refused, and a name that changes its
 *   answer between the check and the connection (DNS rebinding) cannot slip through: the address
 *   checked is the address connected to.
 * - IP literals are checked before anything is sent (node connects to them without a lookup),
 *   including IPv4-mapped and NAT64 forms of private IPv4 addresses.
 * - Redirects are never followed (node:http does not follow them; a 3xx is the answer).
 * - A timeout for the whole exchange and a cap on the answer's size.
 */

export interface GuardedTransportOptions {
  allowLoopback: boolean;
  /** Whole exchange; default 10 s. */
  timeoutMs?: number;
  /** Larger answers are refused; default 1 MiB. */
  maxResponseBytes?: number;
  /** The resolver (tests give a fake one; default the system's `dns.lookup`). */
  resolve?: LookupAll;
}

export const OUTBOUND_TIMEOUT_MS = 10_000;
export const OUTBOUND_MAX_RESPONSE_BYTES = 1024 * 1024;

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

const V4_RULES: readonly [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'reserved'], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'reserved'], // multicast
  ['240.0.0.0', 4, 'reserved'], // reserved + broadcast
];

const V6_RULES: readonly [string, number, AddressClass][] = [
  ['::', 128, 'reserved'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'private'], // unique local
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'reserved'], // multicast
  ['2001:db8::', 32, 'reserved'], // documentation
  ['100::', 64, 'reserved'], // discard-only
];

function blockList(rules: readonly [string, number, AddressClass][], type: 'ipv4' | 'ipv6'): [net.BlockList, AddressClass][] {
  return rules.map(([address, prefix, kind]) => {
    const list = new net.BlockList();
    list.addSubnet(address, prefix, type);
    return [list, kind];
  });
}

const V4_LISTS = blockList(V4_RULES, 'ipv4');
const V6_LISTS = blockList(V6_RULES, 'ipv6');

/** The eight 16-bit groups of an IPv6 address (accepts `::` and a trailing dotted quad). */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const quad = dotted[1]!;
    const [a = 0, b = 0, c = 0, d = 0] = quad.split('.').map(Number);
    text = `${text.slice(0, -quad.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(groups: number[]): string | null {
  const g6 = groups[6]!;
  const g7 = groups[7]!;
  const v4 = () => `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(); // mapped
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(); // NAT64
  if (zeros(0, 6) && (g6 !== 0 || g7 > 1)) return v4(); // deprecated IPv4-compatible
  return null;
}

/** What kind of address this is; anything that is not `public` is refused unless it is allowed loopback. */
export function classifyAddress(address: string): AddressClass {
  const plain = address.replace(/^\[|\]$/g, '');
  if (net.isIPv4(plain)) return V4_LISTS.find(([list]) => list.check(plain, 'ipv4'))?.[1] ?? 'public';
  if (!net.isIPv6(plain)) return 'reserved';
  const groups = ipv6Groups(plain);
  if (!groups) return 'reserved';
  const v4 = embeddedIpv4(groups);
  if (v4) return classifyAddress(v4);
  return V6_LISTS.find(([list]) => list.check(plain, 'ipv6'))?.[1] ?? 'public';
}

const CLASS_WORDS: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address (allowed only with "Allow loopback targets for testing" in Settings)',
  private: 'a private network address',
  'link-local': 'a link-local address (this includes cloud metadata services)',
  reserved: 'a reserved address',
};

function refusal(address: string, kind: AddressClass): string {
  return `Refused: ${address} is ${CLASS_WORDS[kind as Exclude<AddressClass, 'public'>]}`;
}

const allowed = (kind: AddressClass, allowLoopback: boolean) => kind === 'public' || (kind === 'loopback' && allowLoopback);

/**
 * The rule for an outbound URL an admin enters: https://, or http:// to loopback when loopback is
 * allowed; no credentials in it; an IP literal must be public (or allowed loopback). Host names are
 * checked again at connect time, against every address they resolve to.
 */
export function checkOutboundUrl(raw: string, field: string, allowLoopback: boolean): URL {
  const invalid = (message: string) => AppError.field('E_VALIDATION', field, message);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('Not a valid URL (e.g. https://hooks.example.com/gatehouse)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('The URL must start with https://');
  if (url.username || url.password) throw invalid('Put no user name or password in the URL; use the secret header instead');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopbackName = isLoopbackHost(host);
  if (url.protocol === 'http:' && !loopbackName) throw invalid('HTTPS is required except for loopback addresses');
  if (loopbackName && !allowLoopback) throw invalid(refusal(host, 'loopback'));
  if (net.isIP(host)) {
    const kind = classifyAddress(host);
    if (!allowed(kind, allowLoopback)) throw invalid(refusal(host, kind));
  }
  return url;
}

export type LookupAll = (hostname: string, options: dns.LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/** A `lookup` for net/http that resolves with the system resolver and refuses any disallowed address. */
export function guardedLookup(allowLoopback: boolean, resolve: LookupAll = dns.lookup as unknown as LookupAll): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { family: options.family, hints: options.hints, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const bad = addresses.find((a) => !allowed(classifyAddress(a.address), allowLoopback));
      if (bad) return callback(new TransportError('blocked', `${refusal(bad.address, classifyAddress(bad.address))} (${hostname} resolves to it)`));
      if (addresses.length === 0) return callback(Object.assign(new Error(`Host not found: ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

/** An HttpTransport with the SSRF guard; the same interface the sync adapters use. */
export function createGuardedTransport(options: GuardedTransportOptions): HttpTransport {
  const inner = createHttpTransport({
    timeoutMs: options.timeoutMs ?? OUTBOUND_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? OUTBOUND_MAX_RESPONSE_BYTES,
    lookup: guardedLookup(options.allowLoopback, options.resolve),
  });
  return {
    request(req) {
      try {
        checkOutboundUrl(req.url, 'url', options.allowLoopback);
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'Refused';
        return Promise.reject(new TransportError('blocked', message));
      }
      return inner.request(req);
    },
    close: () => inner.close(),
  };
}
