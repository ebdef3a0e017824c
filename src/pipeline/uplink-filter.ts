// Uplink filters by NetID, DevAddr prefix and JoinEUI prefix, in ChirpStack MQTT Forwarder's notation
// ("26000000/7": the prefix in hex at full width, then the number of leading bits that count), with
// "!" marking an exclusion. Pure: parsing, matching, and the NetID a DevAddr belongs to.
//
// Per key: a frame passes when the key has no plain entry or matches one, and matches no "!" entry.
// DevAddr and NetID entries concern frames carrying a DevAddr (data frames), JoinEUI entries join
// requests; any other frame (proprietary, not LoRaWAN) passes, as with ChirpStack's forwarder.

/** Why a frame was filtered; also the metric label. */
export type FilterReason = 'net_id' | 'dev_addr' | 'join_eui';

export interface FilterSpec {
  /** NetIDs, 6 hex digits, "!" to exclude. */
  netIds: readonly string[];
  /** DevAddr prefixes "aabbccdd/bits", "!" to exclude. */
  devAddrPrefixes: readonly string[];
  /** JoinEUI prefixes "0011223344556677/bits", "!" to exclude. */
  joinEuiPrefixes: readonly string[];
}

/** The fields of a frame the filters look at (RecordLorawan fits). */
export interface FilterSubject {
  devAddr: string | null;
  joinEui: string | null;
}

interface Rule {
  exclude: boolean;
  /** DevAddr (32 bits) or JoinEUI (64 bits) prefix value, already masked. */
  value: bigint;
  bits: number;
}

interface NetIdRule {
  exclude: boolean;
  netId: number;
}

export interface UplinkFilter {
  readonly netIds: readonly NetIdRule[];
  readonly devAddr: readonly Rule[];
  readonly joinEui: readonly Rule[];
}

export const PASS_ALL: UplinkFilter = { netIds: [], devAddr: [], joinEui: [] };

/** NwkID width by NetID type 0..7 (LoRaWAN Backend Interfaces 1.1 / RP002 DevAddr table). */
const NWK_ID_BITS = [6, 6, 9, 11, 12, 13, 15, 17] as const;

function mask(bits: number, width: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
}

/** The NetID type (0..7) a DevAddr announces by its leading ones; null for eight leading ones (no type). */
export function devAddrType(devAddr: number): number | null {
  for (let type = 0; type < 8; type++) if (((devAddr >>> (31 - type)) & 1) === 0) return type;
  return null;
}

/** The NetID type and NwkID a DevAddr carries; null when its type prefix is not a valid one. */
export function devAddrNetwork(devAddr: number): { type: number; nwkId: number } | null {
  const type = devAddrType(devAddr >>> 0);
  if (type === null) return null;
  const nwkIdBits = NWK_ID_BITS[type];
  const nwkAddrBits = 32 - (type + 1) - nwkIdBits;
  return { type, nwkId: Number((BigInt(devAddr >>> 0) >> BigInt(nwkAddrBits)) & ((1n << BigInt(nwkIdBits)) - 1n)) };
}

/** The type and NwkID (its low bits) of a 24-bit NetID. */
export function netIdNetwork(netId: number): { type: number; nwkId: number } {
  const type = (netId >>> 21) & 7;
  return { type, nwkId: netId & ((1 << NWK_ID_BITS[type]) - 1) };
}

/**
 * Whether a DevAddr may belong to the NetID: same type prefix and the same NwkID. Types 3 to 7 carry
 * only the low bits of the NetID, so NetIDs sharing them share their DevAddrs too.
 */
export function devAddrInNetId(devAddr: number, netId: number): boolean {
  const a = devAddrNetwork(devAddr);
  if (!a) return false;
  const n = netIdNetwork(netId);
  return a.type === n.type && a.nwkId === n.nwkId;
}

/** The DevAddr prefix ("aabbccdd/bits") that holds every DevAddr of a NetID. */
export function netIdDevAddrPrefix(netId: number): string {
  const { type, nwkId } = netIdNetwork(netId);
  const nwkIdBits = NWK_ID_BITS[type];
  const bits = type + 1 + nwkIdBits;
  const typePrefix = ((0xff << (8 - type)) & 0xff) >>> 0;
  const value = ((typePrefix << 24) | (nwkId << (32 - bits))) >>> 0;
  return `${value.toString(16).padStart(8, '0')}/${bits}`;
}

type Parsed<T> = { ok: true; rule: T; warning?: string } | { ok: false; message: string };

function splitExclude(text: string): { exclude: boolean; body: string } {
  const t = text.trim();
  return t.startsWith('!') ? { exclude: true, body: t.slice(1).trim() } : { exclude: false, body: t };
}

/** Parses "[!]hex/bits" for a value of `width` bits (32 DevAddr, 64 JoinEUI). */
export function parsePrefix(text: string, width: 32 | 64): Parsed<Rule> {
  const { exclude, body } = splitExclude(text);
  const digits = width / 4;
  const example = width === 32 ? '"26000000/7"' : '"70b3d57ed0000000/40"';
  const m = new RegExp(`^([0-9a-fA-F]{${digits}})/(\\d{1,2})$`).exec(body);
  if (!m) return { ok: false, message: `"${text}" is not a prefix: ${digits} hex digits, "/", the number of bits (0-${width}), for example ${example}` };
  const bits = Number(m[2]);
  if (bits > width) return { ok: false, message: `"${text}": at most ${width} bits` };
  const raw = BigInt(`0x${m[1]}`);
  const value = raw & mask(bits, width);
  const rule = { exclude, value, bits };
  if (value === raw) return { ok: true, rule };
  const corrected = `${exclude ? '!' : ''}${value.toString(16).padStart(digits, '0')}/${bits}`;
  return { ok: true, rule, warning: `"${text}" has bits set beyond its first ${bits}; they are ignored (it means "${corrected}")` };
}

/** Parses "[!]NetID" (6 hex digits). */
export function parseNetId(text: string): Parsed<NetIdRule> {
  const { exclude, body } = splitExclude(text);
  if (!/^[0-9a-fA-F]{6}$/.test(body)) return { ok: false, message: `"${text}" is not a NetID: 6 hex digits, for example "000013"` };
  return { ok: true, rule: { exclude, netId: parseInt(body, 16) } };
}

export interface CompiledFilter {
  filter: UplinkFilter;
  /** One line per entry that cannot be parsed (the key name is the caller's). */
  problems: Array<{ key: keyof FilterSpec; index: number; message: string }>;
  warnings: Array<{ key: keyof FilterSpec; index: number; message: string }>;
}

export function compileFilter(spec: FilterSpec): CompiledFilter {
  const problems: CompiledFilter['problems'] = [];
  const warnings: CompiledFilter['warnings'] = [];
  const collect = <T>(key: keyof FilterSpec, entries: readonly string[], parse: (s: string) => Parsed<T>): T[] => {
    const out: T[] = [];
    entries.forEach((entry, index) => {
      const p = parse(entry);
      if (!p.ok) problems.push({ key, index, message: p.message });
      else {
        out.push(p.rule);
        if (p.warning) warnings.push({ key, index, message: p.warning });
      }
    });
    return out;
  };
  const filter: UplinkFilter = {
    netIds: collect('netIds', spec.netIds, parseNetId),
    devAddr: collect('devAddrPrefixes', spec.devAddrPrefixes, (s) => parsePrefix(s, 32)),
    joinEui: collect('joinEuiPrefixes', spec.joinEuiPrefixes, (s) => parsePrefix(s, 64)),
  };
  return { filter, problems, warnings };
}

/** Compiles a spec that was validated before (config loading); throws on an entry it cannot parse. */
export function compileCheckedFilter(spec: FilterSpec): UplinkFilter {
  const c = compileFilter(spec);
  if (c.problems.length) throw new Error(`${c.problems[0].key}[${c.problems[0].index}]: ${c.problems[0].message}`);
  return c.filter;
}

export function isPassAll(f: UplinkFilter): boolean {
  return f.netIds.length === 0 && f.devAddr.length === 0 && f.joinEui.length === 0;
}

/** Includes (if any) must match and no exclude may: the rule of every key. */
function passes<T extends { exclude: boolean }>(rules: readonly T[], matches: (rule: T) => boolean): boolean {
  let included: boolean | undefined;
  for (const rule of rules) {
    if (rule.exclude) {
      if (matches(rule)) return false;
    } else if (!included) included = matches(rule);
  }
  return included ?? true;
}

export function prefixMatches(rule: Pick<Rule, 'value' | 'bits'>, value: bigint, width: 32 | 64): boolean {
  return (value & mask(rule.bits, width)) === rule.value;
}

/** null when the frame passes, else the first key that refused it. */
export function checkUplink(f: UplinkFilter, subject: FilterSubject): FilterReason | null {
  if (subject.devAddr !== null) {
    const addr = parseInt(subject.devAddr, 16) >>> 0;
    if (!passes(f.netIds, (r) => devAddrInNetId(addr, r.netId))) return 'net_id';
    const big = BigInt(addr);
    if (!passes(f.devAddr, (r) => prefixMatches(r, big, 32))) return 'dev_addr';
  }
  if (subject.joinEui !== null) {
    const eui = BigInt(`0x${subject.joinEui}`);
    if (!passes(f.joinEui, (r) => prefixMatches(r, eui, 64))) return 'join_eui';
  }
  return null;
}
