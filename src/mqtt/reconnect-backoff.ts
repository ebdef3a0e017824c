// The wait before the next connection attempt: doubling from reconnectMin up to reconnectMax, with
// ±20 % jitter so that hundreds of gateways do not knock on a restarted broker in the same second.
// The cap is kept short by default (5 s): a long cap meant a gateway whose broker was down for a
// minute waited up to 30 s after the broker came back before it delivered anything (issue 10).

/** Fraction of the delay added or taken away at random. */
const JITTER = 0.2;

export function nextReconnectDelay(previousMs: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const doubled = Math.min(maxMs, Math.max(minMs, previousMs * 2));
  const jittered = doubled * (1 - JITTER + 2 * JITTER * random());
  // Never below the configured minimum, never above the cap: the cap is a promise to the operator.
  return Math.round(Math.min(maxMs, Math.max(minMs, jittered)));
}
