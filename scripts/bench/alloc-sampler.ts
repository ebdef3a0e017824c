// Loaded into the daemon with `--import` (BENCH_DAEMON_FLAGS="--import ./dist/scripts/bench/alloc-sampler.js"):
// V8's sampling heap profiler for the whole life of the process, written to ALLOC_PROFILE_OUT at
// exit, for alloc-profile.js to sum. By default every sampled allocation is kept, collected or not
// (what the process allocates); ALLOC_PROFILE_PROMOTED=1 drops what young-generation collections
// freed, which leaves what V8 promoted to the old generation (what full collections must mark).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.ALLOC_PROFILE_OUT;
if (!out) throw new Error('alloc-sampler: set ALLOC_PROFILE_OUT to the file to write the profile to');
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: 2048,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: process.env.ALLOC_PROFILE_PROMOTED !== '1',
});
// An in-process session answers synchronously, so the profile can be written from 'exit'.
process.on('exit', () => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    if (err) console.error(`alloc-sampler: ${err.message}`);
    else writeFileSync(out, JSON.stringify(result.profile));
  });
});
