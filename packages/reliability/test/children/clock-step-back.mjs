// Preloaded with `node --import` (plain JS, so it runs before anything else is loaded): from the
// process's Nth checkpoint save on, Date.now() runs AGENTSTORE_CLOCK_STEP_MS (default 5000) behind
// real time — a clock stepped back, as NTP or a VM resume can do. The child reports each save through
// `globalThis.__agentstoreClock.countSave()`; N is AGENTSTORE_CLOCK_STEP_AFTER.
const realNow = Date.now.bind(Date);
const stepMs = Number(process.env.AGENTSTORE_CLOCK_STEP_MS ?? 5000);
const after = Number(process.env.AGENTSTORE_CLOCK_STEP_AFTER ?? 1);
let offset = 0;
let saves = 0;
Date.now = () => realNow() - offset;
globalThis.__agentstoreClock = {
  countSave() {
    saves++;
    if (saves === after) offset += stepMs;
  },
  get offset() {
    return offset;
  },
};
