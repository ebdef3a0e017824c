// Edge mode's class A replies to data uplinks: settles a confirmed downlink awaiting its ACK,
// answers MAC commands (LinkCheckReq, DevStatusAns), acknowledges confirmed uplinks and carries the
// next queued command, all in the receive windows of the uplink.
import type { RadioFrame } from '../radio/radio-frame.js';
import type { DataFrame } from '../lorawan/phy-payload.js';
import { buildDataDownlink, decryptFrmPayload } from '../lorawan/index.js';
import type { DeviceOutcome } from '../devices/outcome.js';
import type { DeviceEdgeState, EdgeSession } from './edge-state.js';
import { describeBattery, linkCheckAns, linkMargin, parseDevStatusAns, parseUplinkMacCommands } from './mac-commands.js';
import { planClassA } from './class-a-plan.js';
import { classAWindows, uplinkDataRate } from './rx-windows.js';
import type { EdgeContext } from './edge-context.js';
import type { CommandQueue } from './command-queue.js';

export class ClassAReplies {
  constructor(
    private readonly ctx: EdgeContext,
    private readonly commands: CommandQueue,
  ) {}

  onDataUplink(phy: DataFrame, frame: RadioFrame, outcome: DeviceOutcome): void {
    const devEui = (outcome.device as NonNullable<DeviceOutcome['device']>).devEui;
    const st = this.ctx.state.get(devEui);
    const session = st?.session;
    if (st === undefined || session === undefined || session.devAddr !== phy.devAddr) return;
    const device = this.ctx.opts.directory.device(devEui);
    if (device === undefined || !this.ctx.edgeEnabled(device)) return;
    const fCnt = outcome.fCnt;
    if (fCnt === null) return;
    if (outcome.fCntReplay) {
      // A confirmed uplink sent again (our ACK was lost) is acknowledged again; other replays are ignored.
      if (phy.confirmed && fCnt === session.fCntUp) void this.ctx.run(devEui, () => this.replyClassA(devEui, phy, frame, fCnt, true));
      return;
    }
    session.lastSource = frame.source;
    const dr = uplinkDataRate(frame);
    if (dr !== undefined) session.lastDataRate = dr;
    this.ctx.state.changed(devEui);
    void this.ctx.run(devEui, () => this.replyClassA(devEui, phy, frame, fCnt, false));
  }

  private async replyClassA(devEui: string, phy: DataFrame, frame: RadioFrame, fCnt: number, retransmission: boolean): Promise<void> {
    const st = this.ctx.state.get(devEui);
    const session = st?.session;
    if (st === undefined || session === undefined || session.devAddr !== phy.devAddr) return;
    const answers: Buffer[] = [];
    let settled = false;
    if (!retransmission) {
      settled = this.settleAwaitingAck(devEui, st, phy.ack);
      answers.push(...this.handleMacCommands(devEui, st, session, phy, frame, fCnt));
    }
    const head = retransmission ? undefined : st.queue[0];
    if (!phy.confirmed && answers.length === 0 && head === undefined) {
      // Nothing to send: the uplink counter is saved by the store's timer, a settled ACK at once.
      if (settled) await this.ctx.saveQuietly();
      return;
    }
    const plan = planClassA(classAWindows(frame, this.ctx.dataWindows), Buffer.concat(answers), head?.bytes.length);
    if (plan.macDropped) this.ctx.log.debug({ devEui }, 'MAC answers left out to make room for a queued command');
    if (head !== undefined && plan.commandTooLong) this.commands.commandMissedWindow(devEui, st, head, 'is too long for the data rate of both receive windows');
    const command = plan.includeCommand ? head : undefined;
    if (!phy.confirmed && plan.fOpts.length === 0 && command === undefined) {
      await this.ctx.saveQuietly();
      return;
    }
    const fCntDown = this.ctx.takeFCntDown(devEui, session);
    const bytes = buildDataDownlink({
      mType: command?.confirmed ? 'ConfirmedDataDown' : 'UnconfirmedDataDown',
      devAddr: session.devAddr,
      fCnt32: fCntDown,
      fPort: command?.fPort ?? null,
      payload: command?.bytes,
      fOpts: plan.fOpts,
      ack: phy.confirmed,
      fPending: st.queue.length > (command ? 1 : 0),
      nwkSKey: session.nwkSKey,
      appSKey: session.appSKey,
    });
    await this.ctx.saveQuietly();
    const sent = await this.ctx.sendAfterUplink(bytes, frame, plan.windows);
    if (sent.window) {
      if (phy.confirmed) this.ctx.counters.acksSent += 1;
      if (command) this.commands.commandSent(devEui, st, command, fCntDown, sent.window);
    } else {
      this.ctx.counters.downlinksNotSent += 1;
      this.ctx.log.info({ devEui, statuses: sent.statuses }, 'class A downlink sent in neither receive window');
      if (command) this.commands.commandMissedWindow(devEui, st, command, `was not transmitted (radio: ${sent.statuses.join(', ') || 'no usable window'})`);
    }
    await this.ctx.saveQuietly();
  }

  /** The uplink after a confirmed downlink says whether it arrived. */
  private settleAwaitingAck(devEui: string, st: DeviceEdgeState, ack: boolean): boolean {
    const awaiting = st.awaitingAck;
    if (awaiting === undefined) return false;
    delete st.awaitingAck;
    this.ctx.state.changed(devEui);
    if (ack) {
      this.ctx.counters.commands.acked += 1;
      this.ctx.emit({ id: awaiting.id, devEui, status: 'acked', fCntDown: awaiting.fCntDown, fPort: awaiting.fPort });
    } else {
      this.ctx.fail(awaiting.id, devEui, "the device's next uplink did not acknowledge the confirmed downlink");
    }
    return true;
  }

  /** Reads the uplink's MAC commands; returns the answers to send (LinkCheckAns). */
  private handleMacCommands(devEui: string, st: DeviceEdgeState, session: EdgeSession, phy: DataFrame, frame: RadioFrame, fCnt: number): Buffer[] {
    const raw = phy.fPort === 0 ? decryptFrmPayload(phy, session.nwkSKey, fCnt) : phy.fOpts;
    if (raw.length === 0) return [];
    const parsed = parseUplinkMacCommands(raw);
    if (parsed.problem) this.ctx.log.debug({ devEui, problem: parsed.problem }, 'uplink MAC commands only partly read');
    const answers: Buffer[] = [];
    for (const cmd of parsed.commands) {
      if (cmd.name === 'LinkCheckReq') {
        answers.push(linkCheckAns(linkMargin(frame.snr ?? Number.NaN, frame.spreadingFactor ?? 0), 1));
        this.ctx.counters.linkChecksAnswered += 1;
      } else if (cmd.name === 'DevStatusAns') {
        const status = parseDevStatusAns(cmd.payload);
        st.devStatus = { ...status, at: this.ctx.now() };
        this.ctx.state.changed(devEui);
        this.ctx.counters.devStatusRecorded += 1;
        this.ctx.log.info({ devEui, battery: describeBattery(status.battery), margin: status.margin }, 'device status');
      } else {
        this.ctx.log.debug({ devEui, command: cmd.name }, 'MAC command not handled at the edge');
      }
    }
    return answers;
  }
}
