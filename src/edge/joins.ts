// Edge mode's joins: a join request of an edge OTAA device gets a fresh DevAddr and session,
// saved to disk before the join accept goes out in the receive windows.
import type { RadioFrame } from '../radio/radio-frame.js';
import type { JoinRequestFrame } from '../lorawan/phy-payload.js';
import type { OtaaDevice } from '../devices/device-index.js';
import { allocateDevAddr } from './devaddr-pool.js';
import type { EdgeSession } from './edge-state.js';
import { makeJoinAccept, nextJoinNonce } from './join-accept.js';
import { classAWindows, joinAcceptWindowSettings, uplinkDataRate } from './rx-windows.js';
import type { EdgeContext } from './edge-context.js';

export class EdgeJoins {
  constructor(private readonly ctx: EdgeContext) {}

  onJoinRequest(phy: JoinRequestFrame, frame: RadioFrame, devEui: string): void {
    const device = this.ctx.opts.directory.device(devEui);
    if (device === undefined || device.activation.mode !== 'OTAA') return;
    if (!this.ctx.edgeEnabled(device)) {
      this.ctx.counters.joinsNotForEdge += 1;
      this.ctx.log.debug({ devEui }, 'join request left to the network server: edge mode is off for this device');
      return;
    }
    void this.ctx.run(devEui, () => this.answerJoin(device as OtaaDevice, phy, frame));
  }

  private async answerJoin(device: OtaaDevice, phy: JoinRequestFrame, frame: RadioFrame): Promise<void> {
    const devEui = device.devEui;
    const state = this.ctx.state;
    if (state.devNonceUsed(devEui, phy.devNonce)) {
      this.ctx.counters.devNonceReused += 1;
      this.ctx.log.warn({ devEui, devNonce: phy.devNonce }, 'join request refused: this DevNonce was already used (a replayed join request?)');
      return;
    }
    state.addDevNonce(devEui, phy.devNonce);
    const alloc = allocateDevAddr(
      this.ctx.range,
      state.meta.devAddrCursor,
      (a) => state.devAddrHeld(a, devEui) || this.ctx.opts.directory.hasAbpDevAddr(a),
      state.sessionCount + this.ctx.opts.directory.deviceCount,
    );
    if (alloc === undefined) {
      this.ctx.counters.noFreeDevAddr += 1;
      this.ctx.log.error(
        { devEui, from: this.ctx.opts.config.devAddrFrom, to: this.ctx.opts.config.devAddrTo },
        'join request refused: every DevAddr of the edge range is held by a session (widen edge.devAddrFrom/devAddrTo)',
      );
      await this.ctx.saveQuietly();
      return;
    }
    const joinNonce = nextJoinNonce(state.meta.joinNonce);
    state.setMeta({ joinNonce, devAddrCursor: alloc.next });
    const cfg = this.ctx.opts.config;
    const accept = makeJoinAccept({
      appKey: device.activation.appKey,
      devNonce: phy.devNonce,
      joinNonce,
      netId: cfg.netId,
      devAddr: alloc.devAddr,
      rx1DrOffset: cfg.rx1DrOffset,
      rx2DataRate: cfg.rx2DataRate,
      rxDelay: cfg.rxDelay,
    });
    const previous = state.get(devEui);
    if (previous?.awaitingAck) {
      const a = previous.awaitingAck;
      delete previous.awaitingAck;
      this.ctx.fail(a.id, devEui, 'the device joined again before acknowledging the confirmed downlink');
    }
    const session: EdgeSession = {
      devAddr: alloc.devAddr,
      nwkSKey: accept.keys.nwkSKey,
      appSKey: accept.keys.appSKey,
      fCntUp: undefined,
      fCntDown: 0,
      devNonce: phy.devNonce,
      joinNonce,
      joinedAt: this.ctx.now(),
      lastSource: frame.source,
    };
    const dr = uplinkDataRate(frame);
    if (dr !== undefined) session.lastDataRate = dr;
    state.setSession(devEui, session);
    try {
      // The DevNonce and the session are on disk before the device can use them.
      await this.ctx.store.flush();
    } catch (err) {
      this.ctx.counters.joinAcceptsNotSent += 1;
      this.ctx.log.error({ devEui, err: (err as Error).message }, 'join accept not sent: the session could not be saved');
      return;
    }
    this.ctx.counters.joinsAccepted += 1;
    const devAddr = session.devAddr.toString(16).padStart(8, '0');
    const sent = await this.ctx.sendAfterUplink(accept.phyPayload, frame, classAWindows(frame, joinAcceptWindowSettings()));
    if (sent.window) {
      this.ctx.counters.joinAcceptsSent += 1;
      this.ctx.log.info({ devEui, device: device.record.name, devAddr, window: sent.window }, 'device joined at the edge');
    } else {
      this.ctx.counters.joinAcceptsNotSent += 1;
      this.ctx.log.warn({ devEui, devAddr, statuses: sent.statuses }, 'join accepted but the radio sent the join accept in neither window');
    }
  }
}
