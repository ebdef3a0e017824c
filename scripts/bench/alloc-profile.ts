// `node dist/scripts/bench/alloc-profile.js FILE.heapprofile FRAMES [TOP]`: the bytes a profile from
// alloc-sampler.js sampled, per frame, each allocation charged to the nearest function of the
// daemon's own code on its stack (Buffer, JSON and Map internals count for their caller).
import { readFileSync } from 'node:fs';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const [file, framesArg, topArg] = process.argv.slice(2);
const frames = Number(framesArg);
if (!file || !(frames > 0)) {
  console.error('usage: alloc-profile FILE.heapprofile FRAMES [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: SamplingNode }).head;
const bySite = new Map<string, number>();
let total = 0;
// Iterative: stacks of a long run are deep enough to matter for recursion.
const stack: Array<{ node: SamplingNode; site: string }> = [{ node: head, site: '(outside the daemon code)' }];
while (stack.length > 0) {
  const { node, site: callerSite } = stack.pop()!;
  const { functionName, url, lineNumber } = node.callFrame;
  const dist = url.indexOf('/dist/src/');
  const site = dist >= 0 ? `${functionName || '(anonymous)'} ${url.slice(dist + 10)}:${lineNumber + 1}` : callerSite;
  total += node.selfSize;
  if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) stack.push({ node: child, site });
}
console.log(`${(total / frames).toFixed(0)} bytes per frame sampled (${(total / 1048576).toFixed(1)} MiB over ${frames} frames)`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(bytes / frames).toFixed(0).padStart(7)} B/frame  ${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
}
