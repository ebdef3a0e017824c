// Edge mode: the gateway acts as a small network server for the OTAA devices of its registry that
// have edge mode on. It answers their join requests, acknowledges their confirmed uplinks, answers
// LinkCheckReq, records DevStatusAns, and delivers the hub's device commands (class A in the
// receive windows after an uplink, class C at once on RX2). Work for one device runs in order, so
// FCntDown, the queue and the session never race; different devices proceed independently.
// This class is the public face; the jobs live in joins, class-a-replies and command-queue.
import type { DeviceOutcome } from '../devices/outcome.js';
import type { RadioFrame } from '../radio/radio-frame.js';
import type { PhyPayload } from '../lorawan/phy-payload.js';
import { parseDevAddrRange } from './devaddr-pool.js';
import { EdgeStore } from './edge-store.js';
import { EdgeContext, type EdgeCounters, type EdgeModeOptions } from './edge-context.js';
import { EdgeJoins } from './joins.js';
import { ClassAReplies } from './class-a-replies.js';
import { CommandQueue } from './command-queue.js';

export { MAX_CLASS_A_ATTEMPTS } from './command-queue.js';
export type { EdgeCounters, EdgeDirectory, EdgeModeOptions, EdgeTransmitGate } from './edge-context.js';

export class EdgeMode {
  private readonly ctx: EdgeContext;
  private readonly joins: EdgeJoins;
  private readonly replies: ClassAReplies;
  private readonly commands: CommandQueue;
  readonly counters: EdgeCounters;

  private constructor(opts: EdgeModeOptions, store: EdgeStore) {
    this.ctx = new EdgeContext(opts, store);
    this.counters = this.ctx.counters;
    this.joins = new EdgeJoins(this.ctx);
    this.commands = new CommandQueue(this.ctx);
    this.replies = new ClassAReplies(this.ctx, this.commands);
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

  /** Session summary of a device (tools, tests); undefined before it joined. */
  session(devEui: string): { devAddr: string; fCntUp: number | undefined; fCntDown: number; queueLength: number } | undefined {
    const s = this.ctx.state.get(devEui.toLowerCase());
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
      if (this.ctx.closed || outcome?.device == null || outcome.micValid !== true) return;
      if (phy.kind === 'joinRequest') this.joins.onJoinRequest(phy, frame, outcome.device.devEui);
      else if (phy.kind === 'data' && phy.uplink) this.replies.onDataUplink(phy, frame, outcome);
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'edge mode failed to handle an uplink');
    }
  };

  /**
   * A command from `<prefix>/gateway/<id>/command/device`. Every outcome is published as a
   * device-ack event; the promise resolves when the command was queued (and, class C, sent) or
   * refused, and never rejects.
   */
  async handleDeviceCommand(payload: Buffer): Promise<void> {
    try {
      await this.commands.accept(payload);
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'device command handling failed');
    }
  }

  /** Sends what waits for class C devices (after a restart, once the radio sources run). */
  resumeQueues(): Promise<void> {
    const ctx = this.ctx;
    const work: Array<Promise<void>> = [];
    for (const devEui of ctx.state.devicesWithQueue()) {
      if (ctx.opts.directory.device(devEui)?.deviceClass === 'C') work.push(ctx.run(devEui, () => this.commands.sendClassC(devEui)));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** Waits for work in progress, saves the state and detaches the sessions from the directory. */
  async close(): Promise<void> {
    const ctx = this.ctx;
    if (ctx.closed) return;
    ctx.closed = true;
    await ctx.idle();
    ctx.opts.directory.attachSessions(undefined);
    await ctx.store.close();
  }
}
