// Typed errors of the device layer, each with a message an operator can act on.

export class DeviceStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another process holds the LevelDB lock on the device-state directory. */
export class DeviceStateLockedError extends DeviceStateError {
  constructor(readonly dir: string, cause?: unknown) {
    super(`device state ${dir} is locked by another process (is another lora-edge daemon running?)`, { cause });
  }
}
