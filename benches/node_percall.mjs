#!/usr/bin/env node
// Per-call cost of the Node binding's small calls, in microseconds.
//
//     node benches/node_percall.mjs [--runs 5] [--calls 5000] [--addon path/to/index.js]
//
// Times resolvePolicy (with and without a device), decideRotation with a local state,
// postAuthenticationTimeline, localStateAfterRotation, entropy and checkLocalPasswordPolicy:
// each `--calls` times in a loop, `--runs` times over, with `process.hrtime.bigint`. Prints the
// median and the minimum (best) of the runs, per call. `--addon` loads another build of the
// binding (e.g. an older commit's, to compare side by side). Build it with
// `npx napi build --platform --release` first; a debug build is several times slower.
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    calls: { type: 'string', default: '5000' },
    addon: { type: 'string', default: new URL('../bindings/node/index.js', import.meta.url).pathname },
  },
})
const w = createRequire(import.meta.url)(resolve(opts.addon))
const runs = Number(opts.runs)
const calls = Number(opts.calls)

const GPO = { BackupDirectory: 2, PasswordAgeDays: 30, PasswordLength: 20, PostAuthenticationActions: 3 }
const DEVICE = { join: 'ad', osBuild: 22631, dfl2016: true }
const NOW = new Date('2026-12-03T12:00:00Z')
const policy = w.resolvePolicy({ gpo: GPO, device: DEVICE })
const local = w.localStateAfterRotation(policy, new Date('2026-11-20T12:00:00Z'))
const directory = { passwordExpirationTime: new Date('2026-12-20T12:00:00Z'), encryptedPasswordPresent: false }

const workloads = {
  'resolvePolicy({ gpo })': () => w.resolvePolicy({ gpo: GPO }),
  'resolvePolicy({ gpo, device })': () => w.resolvePolicy({ gpo: GPO, device: DEVICE }),
  'decideRotation(policy, local, dir, now)': () => w.decideRotation(policy, local, directory, NOW),
  'postAuthenticationTimeline(policy, t)': () => w.postAuthenticationTimeline(policy, NOW),
  'localStateAfterRotation(policy, t)': () => w.localStateAfterRotation(policy, NOW),
  'entropy({ complexity: 4 })': () => w.entropy({ complexity: 4 }),
  'checkLocalPasswordPolicy(opts, policy)': () =>
    w.checkLocalPasswordPolicy({ length: 14 }, { minimumLength: 14, complexityRequired: true }),
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

console.log(`${'call'.padEnd(42)} ${'median us'.padStart(10)} ${'min us'.padStart(8)}`)
for (const [label, call] of Object.entries(workloads)) {
  for (let i = 0; i < 200; i++) call() // warm up (JIT, first-use caches)
  const times = []
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) call()
    times.push(Number(process.hrtime.bigint() - start) / calls / 1000)
  }
  console.log(`${label.padEnd(42)} ${median(times).toFixed(2).padStart(10)} ${Math.min(...times).toFixed(2).padStart(8)}`)
}
