// Typed errors of the serial radio sources, so callers can tell a bad setting from a device fault.

/** A source setting that cannot work (thrown by constructors, never at run time). */
export class SerialConfigError extends Error {
  override name = 'SerialConfigError';
}

/** A device did not answer a command in time. */
export class CommandTimeoutError extends Error {
  override name = 'CommandTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to ${command} within ${timeoutMs} ms`);
  }
}

/** A device answered, but refused the command or said something a driver cannot use. */
export class DeviceReplyError extends Error {
  override name = 'DeviceReplyError';
}

/** Bytes that do not decode as the message they claim to be. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

/** The device cannot be used with this driver at all (for example a wrong firmware); retrying will not help. */
export class DeviceUnusableError extends Error {
  override name = 'DeviceUnusableError';
}

/** The port closed while a write or a command was in flight. */
export class PortClosedError extends Error {
  override name = 'PortClosedError';
  constructor(message = 'serial port is closed') {
    super(message);
  }
}
