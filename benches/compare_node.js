#!/usr/bin/env node
// The Node binding against the Rust crates, same workloads, same machine, same run:
//
//   * KeyStore.decryptMany over 1000 msLAPS-EncryptedPassword values on the DH public-key
//     path (one root key with the Windows defaults, update times spread over 60 days, so
//     about 150 distinct L1/L2 keys), a fresh KeyStore per run;
//   * generatePasswords(1_000_000) with the default spec (complexity 4, 14 characters), and the
//     same into one Buffer (generatePasswordsBuffer); the Rust side is Generator::generate_batch
//     (one Password each) for the string[] and Generator::generate_joined for the Buffer.
//     generate_batch is timed up to the returned Vec and again including its drop: a Node loop
//     pays for collecting earlier batches inside later calls (GC), Rust pays it in `drop`, so
//     the second row is the like-for-like steady-state cost per batch.
//
// The Rust side is `cargo run --release -p winlaps-node --example baseline` on the very same
// values, one run per Node run, interleaved. Prints median milliseconds of each and the
// binding's overhead in percent.
//
// Usage (after `npm run build` in bindings/node):  node benches/compare_node.js [runs]
'use strict'

const { execFileSync } = require('node:child_process')
const { randomBytes, randomUUID } = require('node:crypto')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const winlaps = require(path.join(root, 'bindings', 'node'))

const RUNS = Number(process.argv[2] ?? 7)
const BLOBS = 1000
const DAY_MS = 86_400_000
const SID = 'S-1-5-21-1004336348-1177238915-682003330-512' // Domain Admins of a sample domain

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

function time(fn) {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

// --- the workload: 1000 DH public-key-path values under one root key -----------------
const rootKey = { rootKeyId: randomUUID(), rootKeyData: randomBytes(64) } // Windows defaults: SHA-512, DH 2048
const start = Date.UTC(2026, 0, 1)
const values = []
for (let i = 0; i < BLOBS; i++) {
  values.push(
    winlaps.encryptAttribute({
      rootKey,
      sid: SID,
      account: 'Administrator',
      password: winlaps.generatePassword(),
      updateTime: new Date(start + Math.floor((i * 60 * DAY_MS) / BLOBS)),
    }),
  )
}
const info = winlaps.parseEncryptedAttribute(values[0])
if (info.blob.key.path !== 'public_key' || info.blob.key.keyInfoKind !== 'DHPB') throw new Error('not the DH public-key path')
const distinctKeys = new Set(values.map((v) => {
  const k = winlaps.parseEncryptedAttribute(v).blob.key
  return `${k.l0}.${k.l1}.${k.l2}`
})).size

// --- Node ------------------------------------------------------------------------------
function decryptOnce() {
  const store = new winlaps.KeyStore()
  store.addRootKey(rootKey)
  const results = store.decryptMany(values)
  if (!results.every((r) => r instanceof winlaps.LapsCredential)) throw new Error('a value failed')
}
function generateOnce() {
  if (winlaps.generatePasswords(1_000_000).length !== 1_000_000) throw new Error('short batch')
}
function generateBufferOnce() {
  if (winlaps.generatePasswordsBuffer(1_000_000).length < 14_000_000) throw new Error('short batch')
}
// --- runs: Node and Rust interleaved, so a change in machine load hits both alike ----------
const dir = mkdtempSync(path.join(tmpdir(), 'winlaps-bench-'))
const node = { decrypt: [], generate: [], buffer: [] }
const rust = { decrypt: [], generate: [], dropped: [], joined: [], joinedDropped: [] }
try {
  const file = path.join(dir, 'blobs.json')
  writeFileSync(file, JSON.stringify({
    root_key: { root_key_id: rootKey.rootKeyId, root_key_data_hex: rootKey.rootKeyData.toString('hex') },
    values_hex: values.map((v) => v.toString('hex')),
  }))
  const baseline = () => {
    const out = execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'winlaps-node', '--example', 'baseline', '--', '1', file], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    return JSON.parse(out.trim().split('\n').pop())
  }
  baseline() // build it, warm up
  decryptOnce()
  generateOnce()
  generateBufferOnce()
  for (let r = 0; r < RUNS; r++) {
    node.decrypt.push(time(decryptOnce))
    node.generate.push(time(generateOnce))
    node.buffer.push(time(generateBufferOnce))
    const b = baseline()
    rust.decrypt.push(b.decrypt_many_ms)
    rust.generate.push(b.generate_passwords_ms)
    rust.dropped.push(b.generate_passwords_dropped_ms)
    rust.joined.push(b.generate_joined_ms)
    rust.joinedDropped.push(b.generate_joined_dropped_ms)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

// --- report ------------------------------------------------------------------------------
const rows = [
  [`decryptMany(${BLOBS} DH-path values, ${distinctKeys} L0/L1/L2 keys)`, median(node.decrypt), median(rust.decrypt)],
  ['generatePasswords(1_000_000) → string[]', median(node.generate), median(rust.generate)],
  ['… the same against generate_batch + its drop (steady state)', median(node.generate), median(rust.dropped)],
  ['generatePasswordsBuffer(1_000_000) → Buffer', median(node.buffer), median(rust.joined)],
  ['… the same against generate_joined + its drop (steady state)', median(node.buffer), median(rust.joinedDropped)],
]
console.log(`winlaps Node binding vs the Rust crates (median of ${RUNS} runs, ${require('node:os').cpus().length} CPUs, Node ${process.version})`)
console.log('| workload | Node (ms) | Rust (ms) | overhead |')
console.log('|---|---:|---:|---:|')
for (const [name, n, r] of rows) {
  console.log(`| ${name} | ${n.toFixed(1)} | ${r.toFixed(1)} | ${(((n - r) / r) * 100).toFixed(1)}% |`)
}
