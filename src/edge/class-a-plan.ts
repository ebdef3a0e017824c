// What goes into a class A downlink and in which windows, given the payload sizes the windows'
// data rates allow: the command with the MAC answers if they fit together, else the command alone
// (MAC answers are best effort), else the MAC answers and ACK alone and the command waits.
import { windowCapacity, type Window } from './rx-windows.js';

export interface ClassAPlan {
  includeCommand: boolean;
  fOpts: Buffer;
  /** Windows, in order, whose data rate carries the frame. */
  windows: Window[];
  /** The MAC answers were left out to make room for the command. */
  macDropped: boolean;
  /** The command fits no window at the current data rates. */
  commandTooLong: boolean;
}

const EMPTY = Buffer.alloc(0);

export function planClassA(windows: readonly Window[], fOpts: Buffer, commandBytes?: number): ClassAPlan {
  const fitting = (size: number) => windows.filter((w) => windowCapacity(w.dataRate) >= size);
  if (commandBytes !== undefined) {
    const together = fitting(commandBytes + fOpts.length);
    if (together.length > 0) return { includeCommand: true, fOpts, windows: together, macDropped: false, commandTooLong: false };
    const alone = fitting(commandBytes);
    if (alone.length > 0) return { includeCommand: true, fOpts: EMPTY, windows: alone, macDropped: fOpts.length > 0, commandTooLong: false };
  }
  return { includeCommand: false, fOpts, windows: fitting(fOpts.length), macDropped: false, commandTooLong: commandBytes !== undefined };
}
