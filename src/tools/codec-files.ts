// The JavaScript codecs a set of profiles names, each loaded once in the sandbox as the daemon
// would load it: shared by `profiles check` and `check-config`, so both say the same.
import { openDeviceCodec } from '../codecs/device-codec.js';
import type { DeviceProfile } from '../devices/profiles.js';

/** Loads each JavaScript codec once in the sandbox; returns one problem line per profile whose codec fails. */
export async function checkCodecFiles(profiles: Iterable<DeviceProfile>): Promise<Array<{ profile: DeviceProfile; line: string }>> {
  const problems: Array<{ profile: DeviceProfile; line: string }> = [];
  const checked = new Map<string, string | null>();
  for (const p of profiles) {
    if (p.codecRef.kind !== 'file') continue;
    const file = p.codecRef.path;
    if (!checked.has(file)) {
      try {
        const codec = await openDeviceCodec(p.codecRef, { quarantineAfter: 0 });
        codec.dispose();
        checked.set(file, null);
      } catch (err) {
        checked.set(file, err instanceof Error ? err.message : String(err));
      }
    }
    const failure = checked.get(file);
    if (failure) problems.push({ profile: p, line: `${p.file}: codec: ${failure}` });
  }
  return problems;
}
