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

/**
 * The device registry or a profile cannot be used: nothing of it is applied. `problems` holds one
 * line per problem, each naming its file (and line, when known) and what is wrong.
 */
export class RegistryLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    /** The registry text that was read (null when it could not be read). */
    readonly text: string | null = null,
  ) {
    super(`${file}: the device registry cannot be used (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems[0] ?? 'unknown reason'}`);
    this.name = 'RegistryLoadError';
  }
}
