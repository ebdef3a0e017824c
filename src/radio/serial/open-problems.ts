// Turns "cannot open the port" into one of a few kinds with a message that names the fix.
// Pure: the path check result and the error text come in, a verdict goes out.

export type OpenProblemKind = 'missing' | 'permission' | 'not-a-tty' | 'busy' | 'other';

export interface OpenProblem {
  kind: OpenProblemKind;
  message: string;
}

/** What fs.stat said about the path (undefined fields when stat failed). */
export interface PathFacts {
  statErrorCode?: string;
  isCharacterDevice?: boolean;
  isDirectory?: boolean;
  /** Code of an access(R_OK|W_OK) failure, if any. */
  accessErrorCode?: string;
}

export function permissionMessage(path: string): string {
  return (
    `no permission to open ${path}: add the service user to the 'dialout' group ` +
    `(sudo usermod -aG dialout <user>, then restart the service or log in again)`
  );
}

/** Problems visible before trying to open (missing path, wrong file type, no permission). */
export function problemFromPathFacts(path: string, facts: PathFacts): OpenProblem | undefined {
  if (facts.statErrorCode === 'ENOENT' || facts.statErrorCode === 'ENOTDIR') {
    return { kind: 'missing', message: `serial device ${path} is not present (unplugged?); retrying` };
  }
  if (facts.statErrorCode === 'EACCES' || facts.accessErrorCode === 'EACCES' || facts.accessErrorCode === 'EPERM') {
    return { kind: 'permission', message: permissionMessage(path) };
  }
  if (facts.statErrorCode) return { kind: 'other', message: `cannot inspect ${path}: ${facts.statErrorCode}` };
  if (facts.isDirectory) return { kind: 'not-a-tty', message: `${path} is a directory, not a serial device; check the source's path setting` };
  if (facts.isCharacterDevice === false) {
    return { kind: 'not-a-tty', message: `${path} is not a serial device (not a character device / tty); check the source's path setting` };
  }
  return undefined;
}

/** Classifies the error text serialport gives when open() fails (it carries no error code). */
export function problemFromOpenError(path: string, errorMessage: string): OpenProblem {
  const text = errorMessage.toLowerCase();
  if (text.includes('no such file') || text.includes('enoent')) {
    return { kind: 'missing', message: `serial device ${path} is not present (unplugged?); retrying` };
  }
  if (text.includes('permission denied') || text.includes('eacces') || text.includes('operation not permitted')) {
    return { kind: 'permission', message: permissionMessage(path) };
  }
  if (text.includes('inappropriate ioctl') || text.includes('enotty') || text.includes('is a directory')) {
    return { kind: 'not-a-tty', message: `${path} is not a serial device (${errorMessage}); check the source's path setting` };
  }
  if (text.includes('cannot lock port') || text.includes('resource temporarily unavailable') || text.includes('device or resource busy')) {
    return {
      kind: 'busy',
      message: `${path} is in use by another process (another lora-edge, ModemManager or a terminal program); stop it or disable ModemManager for this device`,
    };
  }
  return { kind: 'other', message: `cannot open ${path}: ${errorMessage}` };
}
