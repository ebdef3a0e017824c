// Edge mode: the gateway acts as a small network server for the OTAA devices of its registry that
// have edge mode on. It answers their join requests, acknowledges their confirmed uplinks, answers
// LinkCheckReq, records DevStatusAns, and delivers the hub's device commands (class A in the
// receive windows after an uplink, class C at once on RX2). Work for one device runs in order, so
// FCntDown, the queue and the session never race; different devices proceed independently.
import type { StoreRecovery } from '../store-recovery.js';
import type { Logger } from '../log.js';
import type { DeviceOutcome } from '../app/uplink-pipeline.js';
import type { RadioFrame, RadioSource } from '../radio/radio-frame.js';
import type { TxStatus } from '../radio/downlink.js';
import type { DataFrame, JoinRequestFrame, PhyPayload } from '../lorawan/phy-payload.js';
import { buildDataDownlink, decryptFrmPayload } from '../lorawan/index.js';
import type { DeviceDirectory } from '../devices/device-directory.js';
import type { OtaaDevice } from '../devices/device-index.js';
import type { TransmitGate } from '../downlink/transmit-gate.js';
import { allocateDevAddr, parseDevAddrRange, type DevAddrRange } from './devaddr-pool.js';
import { deviceAckEvent, type DeviceAckEvent } from './device-ack.js';
import { parseDeviceCommand } from './device-command.js';
import { listSome } from '../bounded-text.js';
import { EdgeStore } from './edge-store.js';
import type { DeviceEdgeState, EdgeSession, QueuedCommand } from './edge-state.js';
import { makeJoinAccept, nextJoinNonce } from './join-accept.js';
import { describeBattery, linkCheckAns, linkMargin, parseDevStatusAns, parseUplinkMacCommands } from './mac-commands.js';
import { planClassA } from './class-a-plan.js';
import {
  classAWindows,
  dataWindowSettings,
  downlinkRequest,
  joinAcceptWindowSettings,
  rx1DataRate,
  uplinkDataRate,
  windowCapacity,
  type Window,
  type WindowSettings,
} from './rx-windows.js';
import type { EdgeSettings } from './settings.js';

/** What edge mode needs of the device directory. */
export type EdgeDirectory = Pick<DeviceDirectory, 'device' | 'hasAbpDevAddr' | 'attachSessions' | 'deviceCount'>;
/** What edge mode needs of the downlink scheduler. */
export type EdgeTransmitGate = Pick<TransmitGate, 'send' | 'defaultSourceIndex'>;

export interface EdgeModeOptions {
  /** Damaged-store recoveries done at open are added here. */
  recoveries?: StoreRecovery[];
  /** The `edge` config section plus RX2 and power from `downlink` (see edgeSettings()). */
  config: EdgeSettings;
  directory: EdgeDirectory;
  scheduler: EdgeTransmitGate;
  /** The radio sources in configuration order: the scheduler's source indexes. */
  sources: readonly RadioSource[];
  /** Edge state directory, e.g. `<storage.dir>/edge`. */
  stateDir: string;
  logger: Logger;
  /** Publishes one JSON event on `<prefix>/gateway/<id>/event/device-ack`. */
  publishDeviceAck: (event: DeviceAckEvent) => void;
  now?: () => number;
  /** How often uplink counters are written (default 1000 ms). */
  stateFlushIntervalMs?: number;
}

export interface EdgeCounters {
  joinsAccepted: number;
  joinAcceptsSent: number;
  joinAcceptsNotSent: number;
  devNonceReused: number;
  noFreeDevAddr: number;
  /** Join requests of registered OTAA devices whose edge mode is off. */
  joinsNotForEdge: number;
  acksSent: number;
  linkChecksAnswered: number;
  devStatusRecorded: number;
  downlinksNotSent: number;
  commands: { queued: number; sent: number; acked: number; failed: number };
}

/** Receive windows a class A command may miss (radio refusal, too long) before it is reported failed. */
export const MAX_CLASS_A_ATTEMPTS = 3;

export class EdgeMode {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly range: DevAddrRange;
  private readonly dataWindows: WindowSettings;
  private readonly chains = new Map<string, Promise<void>>();
  private closed = false;
  readonly counters: EdgeCounters = {
    joinsAccepted: 0, joinAcceptsSent: 0, joinAcceptsNotSent: 0, devNonceReused: 0, noFreeDevAddr: 0, joinsNotForEdge: 0,
    acksSent: 0, linkChecksAnswered: 0, devStatusRecorded: 0, downlinksNotSent: 0,
    commands: { queued: 0, sent: 0, acked: 0, failed: 0 },
  };

  private constructor(
    private readonly opts: EdgeModeOptions,
    private readonly store: EdgeStore,
  ) {
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    this.range = parseDevAddrRange(opts.config.devAddrFrom, opts.config.devAddrTo);
    this.dataWindows = dataWindowSettings(opts.config);
  }

  /** Opens the edge state and lets the directory resolve edge sessions. */
  static async open(opts: EdgeModeOptions): Promise<EdgeMode> {
    parseDevAddrRange(opts.config.devAddrFrom, opts.config.devAddrTo);
    const store = await EdgeStore.open(opts.stateDir, { logger: opts.logger, flushIntervalMs: opts.stateFlushIntervalMs, recoveries: opts.recoveries });
    const edge = new EdgeMode(opts, store);
    opts.directory.attachSessions(store.state);
    const queued = store.state.devicesWithQueue().length;
    opts.logger.info(
      { sessions: store.state.sessionCount, devicesWithQueuedCommands: queued, enabled: opts.config.enabled },
      'edge mode ready',
    );
    return edge;
  }

  private get state() {
    return this.store.state;
  }

  /** Session summary of a device (tools, tests); undefined before it joined. */
  session(devEui: string): { devAddr: string; fCntUp: number | undefined; fCntDown: number; queueLength: number } | undefined {
    const s = this.state.get(devEui.toLowerCase());
    if (!s?.session) return undefined;
    return {
      devAddr: s.session.devAddr.toString(16).padStart(8, '0'),
      fCntUp: s.session.fCntUp,
      fCntDown: s.session.fCntDown,
      queueLength: s.queue.length,
    };
  }

  /** The pipeline's after-uplink hook. Synchronous and never throws; the answers are sent in the background. */
  onUplink = (phy: PhyPayload, frame: RadioFrame, outcome: DeviceOutcome | null): void => {
    try {
      if (this.closed || outcome?.device == null || outcome.micValid !== true) return;
      if (phy.kind === 'joinRequest') this.onJoinRequest(phy, frame, outcome.device.devEui);
      else if (phy.kind === 'data' && phy.uplink) this.onDataUplink(phy, frame, outcome);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'edge mode failed to handle an uplink');
    }
  };

  /**
   * A command from `<prefix>/gateway/<id>/command/device`. Every outcome is published as a
   * device-ack event; the promise resolves when the command was queued (and, class C, sent) or
   * refused, and never rejects.
   */
  async handleDeviceCommand(payload: Buffer): Promise<void> {
    try {
      await this.acceptCommand(payload);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'device command handling failed');
    }
  }

  /** Sends what waits for class C devices (after a restart, once the radio sources run). */
  resumeQueues(): Promise<void> {
    const work: Array<Promise<void>> = [];
    for (const devEui of this.state.devicesWithQueue()) {
      if (this.opts.directory.device(devEui)?.deviceClass === 'C') work.push(this.run(devEui, () => this.sendClassC(devEui)));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** Waits for work in progress, saves the state and detaches the sessions from the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.chains.values()]);
    this.opts.directory.attachSessions(undefined);
    await this.store.close();
  }

  // ---- joins ---------------------------------------------------------------------------------

  private edgeEnabled(device: { edge: boolean | undefined }): boolean {
    return device.edge ?? this.opts.config.enabled;
  }

  private onJoinRequest(phy: JoinRequestFrame, frame: RadioFrame, devEui: string): void {
    const device = this.opts.directory.device(devEui);
    if (device === undefined || device.activation.mode !== 'OTAA') return;
    if (!this.edgeEnabled(device)) {
      this.counters.joinsNotForEdge += 1;
      this.log.debug({ devEui }, 'join request left to the network server: edge mode is off for this device');
      return;
    }
    void this.run(devEui, () => this.answerJoin(device as OtaaDevice, phy, frame));
  }

  private async answerJoin(device: OtaaDevice, phy: JoinRequestFrame, frame: RadioFrame): Promise<void> {
    const devEui = device.devEui;
    const state = this.state;
    if (state.devNonceUsed(devEui, phy.devNonce)) {
      this.counters.devNonceReused += 1;
      this.log.warn({ devEui, devNonce: phy.devNonce }, 'join request refused: this DevNonce was already used (a replayed join request?)');
      return;
    }
    state.addDevNonce(devEui, phy.devNonce);
    const alloc = allocateDevAddr(
      this.range,
      state.meta.devAddrCursor,
      (a) => state.devAddrHeld(a, devEui) || this.opts.directory.hasAbpDevAddr(a),
      state.sessionCount + this.opts.directory.deviceCount,
    );
    if (alloc === undefined) {
      this.counters.noFreeDevAddr += 1;
      this.log.error(
        { devEui, from: this.opts.config.devAddrFrom, to: this.opts.config.devAddrTo },
        'join request refused: every DevAddr of the edge range is held by a session (widen edge.devAddrFrom/devAddrTo)',
      );
      await this.saveQuietly();
      return;
    }
    const joinNonce = nextJoinNonce(state.meta.joinNonce);
    state.setMeta({ joinNonce, devAddrCursor: alloc.next });
    const cfg = this.opts.config;
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
      this.emit({ id: a.id, devEui, status: 'failed', reason: 'the device joined again before acknowledging the confirmed downlink' });
    }
    const session: EdgeSession = {
      devAddr: alloc.devAddr,
      nwkSKey: accept.keys.nwkSKey,
      appSKey: accept.keys.appSKey,
      fCntUp: undefined,
      fCntDown: 0,
      devNonce: phy.devNonce,
      joinNonce,
      joinedAt: this.now(),
      lastSource: frame.source,
    };
    const dr = uplinkDataRate(frame);
    if (dr !== undefined) session.lastDataRate = dr;
    state.setSession(devEui, session);
    try {
      // The DevNonce and the session are on disk before the device can use them.
      await this.store.flush();
    } catch (err) {
      this.counters.joinAcceptsNotSent += 1;
      this.log.error({ devEui, err: (err as Error).message }, 'join accept not sent: the session could not be saved');
      return;
    }
    this.counters.joinsAccepted += 1;
    const devAddr = session.devAddr.toString(16).padStart(8, '0');
    const sent = await this.sendAfterUplink(accept.phyPayload, frame, classAWindows(frame, joinAcceptWindowSettings()));
    if (sent.window) {
      this.counters.joinAcceptsSent += 1;
      this.log.info({ devEui, device: device.record.name, devAddr, window: sent.window }, 'device joined at the edge');
    } else {
      this.counters.joinAcceptsNotSent += 1;
      this.log.warn({ devEui, devAddr, statuses: sent.statuses }, 'join accepted but the radio sent the join accept in neither window');
    }
  }

  // ---- data uplinks --------------------------------------------------------------------------

  private onDataUplink(phy: DataFrame, frame: RadioFrame, outcome: DeviceOutcome): void {
    const devEui = (outcome.device as NonNullable<DeviceOutcome['device']>).devEui;
    const st = this.state.get(devEui);
    const session = st?.session;
    if (st === undefined || session === undefined || session.devAddr !== phy.devAddr) return;
    const device = this.opts.directory.device(devEui);
    if (device === undefined || !this.edgeEnabled(device)) return;
    const fCnt = outcome.fCnt;
    if (fCnt === null) return;
    if (outcome.fCntReplay) {
      // A confirmed uplink sent again (our ACK was lost) is acknowledged again; other replays are ignored.
      if (phy.confirmed && fCnt === session.fCntUp) void this.run(devEui, () => this.replyClassA(devEui, phy, frame, fCnt, true));
      return;
    }
    session.lastSource = frame.source;
    const dr = uplinkDataRate(frame);
    if (dr !== undefined) session.lastDataRate = dr;
    this.state.changed(devEui);
    void this.run(devEui, () => this.replyClassA(devEui, phy, frame, fCnt, false));
  }

  private async replyClassA(devEui: string, phy: DataFrame, frame: RadioFrame, fCnt: number, retransmission: boolean): Promise<void> {
    const st = this.state.get(devEui);
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
      if (settled) await this.saveQuietly();
      return;
    }
    const plan = planClassA(classAWindows(frame, this.dataWindows), Buffer.concat(answers), head?.bytes.length);
    if (plan.macDropped) this.log.debug({ devEui }, 'MAC answers left out to make room for a queued command');
    if (head !== undefined && plan.commandTooLong) this.commandMissedWindow(devEui, st, head, 'is too long for the data rate of both receive windows');
    const command = plan.includeCommand ? head : undefined;
    if (!phy.confirmed && plan.fOpts.length === 0 && command === undefined) {
      await this.saveQuietly();
      return;
    }
    const fCntDown = this.takeFCntDown(devEui, session);
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
    await this.saveQuietly();
    const sent = await this.sendAfterUplink(bytes, frame, plan.windows);
    if (sent.window) {
      if (phy.confirmed) this.counters.acksSent += 1;
      if (command) this.commandSent(devEui, st, command, fCntDown, sent.window);
    } else {
      this.counters.downlinksNotSent += 1;
      this.log.info({ devEui, statuses: sent.statuses }, 'class A downlink sent in neither receive window');
      if (command) this.commandMissedWindow(devEui, st, command, `was not transmitted (radio: ${sent.statuses.join(', ') || 'no usable window'})`);
    }
    await this.saveQuietly();
  }

  /** The uplink after a confirmed downlink says whether it arrived. */
  private settleAwaitingAck(devEui: string, st: DeviceEdgeState, ack: boolean): boolean {
    const awaiting = st.awaitingAck;
    if (awaiting === undefined) return false;
    delete st.awaitingAck;
    this.state.changed(devEui);
    if (ack) {
      this.counters.commands.acked += 1;
      this.emit({ id: awaiting.id, devEui, status: 'acked', fCntDown: awaiting.fCntDown, fPort: awaiting.fPort });
    } else {
      this.fail(awaiting.id, devEui, "the device's next uplink did not acknowledge the confirmed downlink");
    }
    return true;
  }

  /** Reads the uplink's MAC commands; returns the answers to send (LinkCheckAns). */
  private handleMacCommands(devEui: string, st: DeviceEdgeState, session: EdgeSession, phy: DataFrame, frame: RadioFrame, fCnt: number): Buffer[] {
    const raw = phy.fPort === 0 ? decryptFrmPayload(phy, session.nwkSKey, fCnt) : phy.fOpts;
    if (raw.length === 0) return [];
    const parsed = parseUplinkMacCommands(raw);
    if (parsed.problem) this.log.debug({ devEui, problem: parsed.problem }, 'uplink MAC commands only partly read');
    const answers: Buffer[] = [];
    for (const cmd of parsed.commands) {
      if (cmd.name === 'LinkCheckReq') {
        answers.push(linkCheckAns(linkMargin(frame.snr ?? Number.NaN, frame.spreadingFactor ?? 0), 1));
        this.counters.linkChecksAnswered += 1;
      } else if (cmd.name === 'DevStatusAns') {
        const status = parseDevStatusAns(cmd.payload);
        st.devStatus = { ...status, at: this.now() };
        this.state.changed(devEui);
        this.counters.devStatusRecorded += 1;
        this.log.info({ devEui, battery: describeBattery(status.battery), margin: status.margin }, 'device status');
      } else {
        this.log.debug({ devEui, command: cmd.name }, 'MAC command not handled at the edge');
      }
    }
    return answers;
  }

  // ---- commands ------------------------------------------------------------------------------

  private async acceptCommand(payload: Buffer): Promise<void> {
    const parsed = parseDeviceCommand(payload);
    if (!parsed.ok) {
      this.fail(parsed.id, parsed.devEui, parsed.reason);
      return;
    }
    const cmd = parsed.command;
    const refuse = (reason: string) => this.fail(cmd.id, cmd.devEui, reason);
    if (this.closed) return refuse('edge mode is shutting down');
    const device = this.opts.directory.device(cmd.devEui);
    if (device === undefined) return refuse(`unknown device ${cmd.devEui}: it is not in the device registry`);
    if (device.activation.mode !== 'OTAA') {
      return refuse('the device uses ABP: its downlinks come from its network server (edge mode serves OTAA devices that join through this gateway)');
    }
    if (!this.edgeEnabled(device)) return refuse('edge mode is off for this device (edge.enabled, or edge: true in its registry entry)');
    const session = this.state.get(cmd.devEui)?.session;
    if (session === undefined) return refuse('the device has not joined through this gateway yet (no session)');

    let bytes: Buffer;
    let fPort: number | undefined = cmd.fPort;
    if (cmd.data !== undefined) {
      const encoded = device.codec.encode({ data: cmd.data, fPort: cmd.fPort, variables: { ...device.variables } });
      if (encoded.errors.length > 0 || encoded.bytes === undefined) {
        // Codec errors often quote the offending value: a few, each cut short.
        return refuse(`codec ${device.codec.name}: ${encoded.errors.length > 0 ? listSome(encoded.errors.map(String), 4, 200) : 'no bytes'}`);
      }
      bytes = Buffer.from(encoded.bytes);
      fPort = encoded.fPort ?? fPort;
    } else {
      bytes = cmd.bytes ?? Buffer.alloc(0);
    }
    if (fPort === undefined || !Number.isInteger(fPort) || fPort < 1 || fPort > 223) {
      return refuse(fPort === undefined ? 'no fPort: give one in the command' : `fPort ${fPort} is not 1..223`);
    }
    const classC = device.deviceClass === 'C';
    const cfg = this.opts.config;
    const dataRate = classC
      ? cfg.rx2DataRate
      : Math.max(cfg.rx2DataRate, session.lastDataRate === undefined ? 0 : rx1DataRate(session.lastDataRate, cfg.rx1DrOffset));
    const capacity = windowCapacity(dataRate);
    if (bytes.length > capacity) {
      return refuse(`payload of ${bytes.length} bytes is too long for the data rate (DR${dataRate} carries at most ${capacity})`);
    }
    const command: QueuedCommand = { id: cmd.id, fPort, bytes, confirmed: cmd.confirmed, queuedAt: this.now(), attempts: 0 };
    await this.run(cmd.devEui, async () => {
      const st = this.state.ensure(cmd.devEui);
      if (st.queue.length >= cfg.queueSize) {
        refuse(`queue full: ${st.queue.length} commands already wait for this device (edge.queueSize ${cfg.queueSize})`);
        return;
      }
      if (st.queue.some((q) => q.id === command.id)) {
        refuse(`a command with id "${command.id}" is already queued for this device`);
        return;
      }
      st.queue.push(command);
      this.state.changed(cmd.devEui);
      try {
        await this.store.flush();
      } catch (err) {
        st.queue = st.queue.filter((q) => q !== command);
        this.state.changed(cmd.devEui);
        refuse(`the queue could not be saved: ${(err as Error).message}`);
        return;
      }
      this.counters.commands.queued += 1;
      this.emit({ id: command.id, devEui: cmd.devEui, status: 'queued', queueLength: st.queue.length });
      if (classC) await this.sendClassC(cmd.devEui);
    });
  }

  /** Class C: every queued command goes out now on RX2 parameters, on the source that last heard the device. */
  private async sendClassC(devEui: string): Promise<void> {
    const st = this.state.get(devEui);
    const session = st?.session;
    if (st === undefined || session === undefined) return;
    const cfg = this.opts.config;
    while (st.queue.length > 0) {
      const command = st.queue[0];
      const sourceIndex = this.sourceIndexOf(session.lastSource) ?? this.opts.scheduler.defaultSourceIndex();
      if (sourceIndex === undefined) {
        this.dropHead(devEui, st, command, 'no radio source can transmit');
        continue;
      }
      if (command.bytes.length > windowCapacity(cfg.rx2DataRate)) {
        this.dropHead(devEui, st, command, `payload of ${command.bytes.length} bytes is too long for RX2 (DR${cfg.rx2DataRate})`);
        continue;
      }
      const fCntDown = this.takeFCntDown(devEui, session);
      const bytes = buildDataDownlink({
        mType: command.confirmed ? 'ConfirmedDataDown' : 'UnconfirmedDataDown',
        devAddr: session.devAddr,
        fCnt32: fCntDown,
        fPort: command.fPort,
        payload: command.bytes,
        fPending: st.queue.length > 1,
        nwkSKey: session.nwkSKey,
        appSKey: session.appSKey,
      });
      await this.saveQuietly();
      const request = downlinkRequest(bytes, cfg.rx2Frequency, cfg.rx2DataRate, { kind: 'immediate' }, cfg.maxTxPower);
      const status: TxStatus = request ? await this.opts.scheduler.send(sourceIndex, request) : 'INTERNAL_ERROR';
      if (status === 'OK') this.commandSent(devEui, st, command, fCntDown, 'class C');
      else {
        this.counters.downlinksNotSent += 1;
        this.dropHead(devEui, st, command, `the radio did not transmit it (${status})`);
      }
      await this.saveQuietly();
    }
  }

  private commandSent(devEui: string, st: DeviceEdgeState, command: QueuedCommand, fCntDown: number, window: 'RX1' | 'RX2' | 'class C'): void {
    st.queue = st.queue.filter((q) => q !== command);
    this.state.changed(devEui);
    this.counters.commands.sent += 1;
    this.emit({ id: command.id, devEui, status: 'sent', fCntDown, fPort: command.fPort, window });
    if (!command.confirmed) return;
    if (st.awaitingAck) this.fail(st.awaitingAck.id, devEui, 'a later confirmed downlink was sent before the device acknowledged this one');
    st.awaitingAck = { id: command.id, fCntDown, fPort: command.fPort, sentAt: this.now() };
  }

  /** A class A command that could not go out in this uplink's windows waits for the next, a few times. */
  private commandMissedWindow(devEui: string, st: DeviceEdgeState, command: QueuedCommand, why: string): void {
    command.attempts += 1;
    this.state.changed(devEui);
    if (command.attempts >= MAX_CLASS_A_ATTEMPTS) {
      this.dropHead(devEui, st, command, `the command ${why}; given up after ${command.attempts} uplinks`);
    } else {
      this.log.info({ devEui, id: command.id, attempts: command.attempts }, `queued command ${why}; it waits for the next uplink`);
    }
  }

  private dropHead(devEui: string, st: DeviceEdgeState, command: QueuedCommand, reason: string): void {
    st.queue = st.queue.filter((q) => q !== command);
    this.state.changed(devEui);
    this.fail(command.id, devEui, reason);
  }

  // ---- sending -------------------------------------------------------------------------------

  private takeFCntDown(devEui: string, session: EdgeSession): number {
    const fCntDown = session.fCntDown;
    session.fCntDown = (fCntDown + 1) >>> 0;
    this.state.changed(devEui);
    return fCntDown;
  }

  /** Tries the windows in order on the source that heard the uplink; the first OK wins. */
  private async sendAfterUplink(payload: Buffer, frame: RadioFrame, windows: readonly Window[]): Promise<{ window?: 'RX1' | 'RX2'; statuses: TxStatus[] }> {
    const statuses: TxStatus[] = [];
    const sourceIndex = this.sourceIndexOf(frame.source);
    if (sourceIndex === undefined) {
      this.log.warn({ source: frame.source }, 'uplink came from a source the downlink path does not know');
      return { statuses: ['INTERNAL_ERROR'] };
    }
    const context = frame.context ?? Buffer.alloc(0);
    for (const w of windows) {
      const request = downlinkRequest(payload, w.frequency, w.dataRate, { kind: 'delay', context, delayMs: w.delayMs }, this.opts.config.maxTxPower);
      if (request === undefined) continue;
      const status = await this.opts.scheduler.send(sourceIndex, request);
      if (status === 'OK') return { window: w.name, statuses };
      statuses.push(status);
    }
    return { statuses };
  }

  private sourceIndexOf(sourceId: string | undefined): number | undefined {
    if (sourceId === undefined) return undefined;
    const i = this.opts.sources.findIndex((s) => s.id === sourceId);
    return i >= 0 ? i : undefined;
  }

  private run(devEui: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(devEui) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => {
      this.log.error({ devEui, err: err instanceof Error ? err.message : String(err) }, 'edge mode work for a device failed');
    });
    this.chains.set(devEui, next);
    void next.then(() => {
      if (this.chains.get(devEui) === next) this.chains.delete(devEui);
    });
    return next;
  }

  private async saveQuietly(): Promise<void> {
    try {
      await this.store.flush();
    } catch {
      // Logged by the store; the changes stay pending and are retried at the next flush.
    }
  }

  private fail(id: string | null, devEui: string | null, reason: string): void {
    this.counters.commands.failed += 1;
    this.emit({ id, devEui, status: 'failed', reason });
  }

  private emit(fields: Omit<DeviceAckEvent, 'at'>): void {
    const event = deviceAckEvent(fields, this.now());
    if (event.status === 'failed') this.log.info({ id: event.id, devEui: event.devEui, reason: event.reason }, 'device command failed');
    else this.log.debug({ id: event.id, devEui: event.devEui, status: event.status }, 'device command');
    try {
      this.opts.publishDeviceAck(event);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'publishing a device-ack event failed');
    }
  }
}
