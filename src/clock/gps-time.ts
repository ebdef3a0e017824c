// GPS time (ms since the GPS epoch, as a packet forwarder's rxpk `tmms` carries it) to UTC. GPS time
// has no leap seconds; UTC has had 18 more since 1980, so a naive conversion is 18 s late today.
// The table lists when each leap second took effect; a new one is announced by the IERS in Bulletin C
// about six months ahead and must be added here.
import { isoOfMs } from './iso-time.js';

/** 1980-01-06T00:00:00Z in Unix ms. */
export const GPS_EPOCH_UNIX_MS = Date.UTC(1980, 0, 6);

/** UTC instants (Unix ms) from which GPS − UTC is `offsetS` seconds. */
const LEAP_SECONDS: ReadonlyArray<{ fromUtcMs: number; offsetS: number }> = [
  [1981, 6, 1], [1982, 6, 2], [1983, 6, 3], [1985, 6, 4], [1988, 0, 5], [1990, 0, 6], [1991, 0, 7],
  [1992, 6, 8], [1993, 6, 9], [1994, 6, 10], [1996, 0, 11], [1997, 6, 12], [1999, 0, 13], [2006, 0, 14],
  [2009, 0, 15], [2012, 6, 16], [2015, 6, 17], [2017, 0, 18],
].map(([year, month, offsetS]) => ({ fromUtcMs: Date.UTC(year, month, 1), offsetS }));

/** The last date Date can print as ISO 8601 with a four-digit year. */
const MAX_ISO_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** GPS − UTC in seconds at a GPS instant given as `GPS_EPOCH_UNIX_MS + gpsMs` (GPS time read as if it were Unix time). */
export function gpsUtcOffsetS(gpsAsUnixMs: number): number {
  let offset = 0;
  // An offset applies once UTC (= gpsAsUnix − offset) reaches its start. During an inserted leap
  // second (23:59:60 UTC) the old offset still holds, so that second maps onto 00:00:00 like the next
  // one: Unix time cannot name 23:59:60.
  for (const leap of LEAP_SECONDS) {
    if (gpsAsUnixMs - leap.offsetS * 1000 >= leap.fromUtcMs) offset = leap.offsetS;
    else break;
  }
  return offset;
}

/** UTC Unix ms of a GPS time in ms since the GPS epoch; null for a value that is not a plausible time. */
export function gpsMsToUnixMs(gpsMs: number): number | null {
  if (!Number.isSafeInteger(gpsMs) || gpsMs < 0) return null;
  const asUnix = GPS_EPOCH_UNIX_MS + gpsMs;
  const unixMs = asUnix - gpsUtcOffsetS(asUnix) * 1000;
  return unixMs <= MAX_ISO_MS ? unixMs : null;
}

/** ISO 8601 UTC (ms) of a GPS time in ms since the GPS epoch; null when it is not a plausible time. */
export function gpsMsToIso(gpsMs: number): string | null {
  const unixMs = gpsMsToUnixMs(gpsMs);
  return unixMs === null ? null : isoOfMs(unixMs);
}

/** GPS ms since the GPS epoch of a UTC Unix ms time (the inverse, for simulators and tests). */
export function unixMsToGpsMs(unixMs: number): number {
  let offset = 0;
  for (const leap of LEAP_SECONDS) {
    if (unixMs >= leap.fromUtcMs) offset = leap.offsetS;
    else break;
  }
  return unixMs + offset * 1000 - GPS_EPOCH_UNIX_MS;
}
