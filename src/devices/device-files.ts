// The device files as one unit, all or nothing: the profiles (shipped plus a local directory) and
// the registry that names them. The device directory (start, SIGHUP, file change) and check-config
// both load through here, so the check refuses exactly what the daemon would refuse.
import type { Logger } from '../log.js';
import { RegistryLoadError } from './errors.js';
import { formatProfileProblem, loadProfiles, type DeviceProfile } from './profiles.js';
import { formatRegistryProblem, readRegistryFile, type RegistryEntry } from './registry.js';

export interface DeviceFilesOptions {
  /** The registry file; absent: only the profiles are checked. */
  registryPath?: string;
  profilesDir?: string;
  logger?: Logger;
}

export interface DeviceFiles {
  entries: RegistryEntry[];
  profiles: Map<string, DeviceProfile>;
  /** Usable but worth saying (file permissions). */
  warnings: string[];
  /** The registry text read (null without a registry). */
  text: string | null;
}

/**
 * Loads profiles and registry; throws RegistryLoadError (and nothing else) listing every problem
 * when any file fails to read, parse or validate.
 */
export function loadDeviceFiles(opts: DeviceFilesOptions): DeviceFiles {
  const file = opts.registryPath ?? opts.profilesDir ?? 'device profiles';
  try {
    const set = loadProfiles({ extraDir: opts.profilesDir, logger: opts.logger });
    const problems = set.problems.map(formatProfileProblem);
    if (opts.registryPath === undefined) {
      if (problems.length > 0) throw new RegistryLoadError(file, problems);
      return { entries: [], profiles: set.profiles, warnings: [], text: null };
    }
    const read = readRegistryFile(opts.registryPath, set.profiles);
    problems.push(...read.result.problems.map((p) => formatRegistryProblem(p, opts.registryPath!)));
    if (!read.result.ok || problems.length > 0) throw new RegistryLoadError(opts.registryPath, problems, read.text);
    return { entries: read.result.entries, profiles: set.profiles, warnings: read.warnings, text: read.text };
  } catch (err) {
    if (err instanceof RegistryLoadError) throw err;
    // A defect in the loaders themselves: still one documented error, still naming the file.
    throw new RegistryLoadError(file, [`${file}: cannot be loaded: ${(err as Error)?.message ?? String(err)}`]);
  }
}
