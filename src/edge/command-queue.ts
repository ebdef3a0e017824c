// Edge mode's device commands from the hub: checked and encoded, queued per device (saved before
// they count as queued), sent at once on RX2 for class C devices or in the next receive windows for
// class A, and every outcome reported as a device-ack event.
import type { TxStatus } from '../radio/downlink.js';
import { buildDataDownlink } from '../lorawan/index.js';
import { parseDeviceCommand } from './device-command.js';
import { listSome } from '../bounded-text.js';
import type { DeviceEdgeState, QueuedCommand } from './edge-state.js';
import { downlinkRequest, rx1DataRate, windowCapacity } from './rx-windows.js';
import type { EdgeContext } from './edge-context.js';

/** Receive windows a class A command may miss (radio refusal, too long) before it is reported failed. */
export const MAX_CLASS_A_ATTEMPTS = 3;

export class CommandQueue {
  constructor(private readonly ctx: EdgeContext) {}

  async accept(payload: Buffer): Promise<void> {
    const parsed = parseDeviceCommand(payload);
    if (!parsed.ok) {
      this.ctx.fail(parsed.id, parsed.devEui, parsed.reason);
      return;
    }
    const cmd = parsed.command;
    const refuse = (reason: string) => this.ctx.fail(cmd.id, cmd.devEui, reason);
    if (this.ctx.closed) return refuse('edge mode is shutting down');
    const device = this.ctx.opts.directory.device(cmd.devEui);
    if (device === undefined) return refuse(`unknown device ${cmd.devEui}: it is not in the device registry`);
    if (device.activation.mode !== 'OTAA') {
      return refuse('the device uses ABP: its downlinks come from its network server (edge mode serves OTAA devices that join through this gateway)');
    }
    if (!this.ctx.edgeEnabled(device)) return refuse('edge mode is off for this device (edge.enabled, or edge: true in its registry entry)');
    const session = this.ctx.state.get(cmd.devEui)?.session;
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
    const cfg = this.ctx.opts.config;
    const dataRate = classC
      ? cfg.rx2DataRate
      : Math.max(cfg.rx2DataRate, session.lastDataRate === undefined ? 0 : rx1DataRate(session.lastDataRate, cfg.rx1DrOffset));
    const capacity = windowCapacity(dataRate);
    if (bytes.length > capacity) {
      return refuse(`payload of ${bytes.length} bytes is too long for the data rate (DR${dataRate} carries at most ${capacity})`);
    }
    const command: QueuedCommand = { id: cmd.id, fPort, bytes, confirmed: cmd.confirmed, queuedAt: this.ctx.now(), attempts: 0 };
    await this.ctx.run(cmd.devEui, async () => {
      const st = this.ctx.state.ensure(cmd.devEui);
      if (st.queue.length >= cfg.queueSize) {
        refuse(`queue full: ${st.queue.length} commands already wait for this device (edge.queueSize ${cfg.queueSize})`);
        return;
      }
      if (st.queue.some((q) => q.id === command.id)) {
        refuse(`a command with id "${command.id}" is already queued for this device`);
        return;
      }
      st.queue.push(command);
      this.ctx.state.changed(cmd.devEui);
      try {
        await this.ctx.store.flush();
      } catch (err) {
        st.queue = st.queue.filter((q) => q !== command);
        this.ctx.state.changed(cmd.devEui);
        refuse(`the queue could not be saved: ${(err as Error).message}`);
        return;
      }
      this.ctx.counters.commands.queued += 1;
      this.ctx.emit({ id: command.id, devEui: cmd.devEui, status: 'queued', queueLength: st.queue.length });
      if (classC) await this.sendClassC(cmd.devEui);
    });
  }

  /** Class C: every queued command goes out now on RX2 parameters, on the source that last heard the device. */
  async sendClassC(devEui: string): Promise<void> {
    const st = this.ctx.state.get(devEui);
    const session = st?.session;
    if (st === undefined || session === undefined) return;
    const cfg = this.ctx.opts.config;
    while (st.queue.length > 0) {
      const command = st.queue[0];
      const sourceIndex = this.ctx.sourceIndexOf(session.lastSource) ?? this.ctx.opts.scheduler.defaultSourceIndex();
      if (sourceIndex === undefined) {
        this.dropHead(devEui, st, command, 'no radio source can transmit');
        continue;
      }
      if (command.bytes.length > windowCapacity(cfg.rx2DataRate)) {
        this.dropHead(devEui, st, command, `payload of ${command.bytes.length} bytes is too long for RX2 (DR${cfg.rx2DataRate})`);
        continue;
      }
      const fCntDown = this.ctx.takeFCntDown(devEui, session);
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
      await this.ctx.saveQuietly();
      const request = downlinkRequest(bytes, cfg.rx2Frequency, cfg.rx2DataRate, { kind: 'immediate' }, cfg.maxTxPower);
      const status: TxStatus = request ? await this.ctx.opts.scheduler.send(sourceIndex, request) : 'INTERNAL_ERROR';
      if (status === 'OK') this.commandSent(devEui, st, command, fCntDown, 'class C');
      else {
        this.ctx.counters.downlinksNotSent += 1;
        this.dropHead(devEui, st, command, `the radio did not transmit it (${status})`);
      }
      await this.ctx.saveQuietly();
    }
  }

  commandSent(devEui: string, st: DeviceEdgeState, command: QueuedCommand, fCntDown: number, window: 'RX1' | 'RX2' | 'class C'): void {
    st.queue = st.queue.filter((q) => q !== command);
    this.ctx.state.changed(devEui);
    this.ctx.counters.commands.sent += 1;
    this.ctx.emit({ id: command.id, devEui, status: 'sent', fCntDown, fPort: command.fPort, window });
    if (!command.confirmed) return;
    if (st.awaitingAck) this.ctx.fail(st.awaitingAck.id, devEui, 'a later confirmed downlink was sent before the device acknowledged this one');
    st.awaitingAck = { id: command.id, fCntDown, fPort: command.fPort, sentAt: this.ctx.now() };
  }

  /** A class A command that could not go out in this uplink's windows waits for the next, a few times. */
  commandMissedWindow(devEui: string, st: DeviceEdgeState, command: QueuedCommand, why: string): void {
    command.attempts += 1;
    this.ctx.state.changed(devEui);
    if (command.attempts >= MAX_CLASS_A_ATTEMPTS) {
      this.dropHead(devEui, st, command, `the command ${why}; given up after ${command.attempts} uplinks`);
    } else {
      this.ctx.log.info({ devEui, id: command.id, attempts: command.attempts }, `queued command ${why}; it waits for the next uplink`);
    }
  }

  private dropHead(devEui: string, st: DeviceEdgeState, command: QueuedCommand, reason: string): void {
    st.queue = st.queue.filter((q) => q !== command);
    this.ctx.state.changed(devEui);
    this.ctx.fail(command.id, devEui, reason);
  }
}
