// PULL_RESPs waiting for their TX_ACK, by token. Each wait ends exactly once: with the forwarder's
// verdict, with the fallback status when the deadline passes, or when the source stops.
import type { TxStatus } from '../downlink.js';

interface Waiter {
  gatewayEui: string;
  resolve: (status: TxStatus) => void;
  timer: NodeJS.Timeout;
}

export class TxAckWaiters {
  private readonly waiters = new Map<number, Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  has(token: number): boolean {
    return this.waiters.has(token);
  }

  /** Waits for the TX_ACK of `token` from `gatewayEui`; after `timeoutMs` resolves with `onTimeout()`. */
  wait(token: number, gatewayEui: string, timeoutMs: number, onTimeout: () => TxStatus): Promise<TxStatus> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(token);
        resolve(onTimeout());
      }, timeoutMs);
      this.waiters.set(token, { gatewayEui, resolve, timer });
    });
  }

  /** Ends the wait for `token` if that gateway owns it; false when nobody waited (late or stray TX_ACK). */
  settle(token: number, gatewayEui: string, status: TxStatus): boolean {
    const waiter = this.waiters.get(token);
    if (!waiter || waiter.gatewayEui !== gatewayEui) return false;
    this.waiters.delete(token);
    clearTimeout(waiter.timer);
    waiter.resolve(status);
    return true;
  }

  /** Ends every wait with `status` (the source is stopping). */
  settleAll(status: TxStatus): void {
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve(status);
    }
    this.waiters.clear();
  }
}
