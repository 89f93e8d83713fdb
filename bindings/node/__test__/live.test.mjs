// Live keys: KeyStore.fetchFromDc and decryptMany(values, { dc }) against the lab KDS
// (`winlaps kds serve`, started here on 127.0.0.4 with free ports, its GetKey count read from
// its --stats lines) and against the shared Samba AD DC (WINLAPS_SAMBA_ENV), which serves no
// GKDI. Without the winlaps binary or the Samba env each suite says why in one line and is
// skipped, except under CI=true, where it fails.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import {
  DcCredentials,
  KeyStore,
  LapsCredential,
  decryptMany,
  encryptAttribute,
  fetchGroupKeyEnvelope,
  lookupDc,
  parseEncryptedAttribute,
  parseGroupKeyEnvelope,
} from 'winlaps'
import { load, rootKeyInput } from './vectors.mjs'

const CI = process.env.CI === 'true'
const HOST = '127.0.0.4'
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const HELPDESK = ['LAB\\helpdesk', 'Helpd3sk-Lab!']
const PLAIN = ['LAB\\plain', 'Pl41n-Lab!']
const PLAIN_SID = 'S-1-5-21-1000-2000-3000-1106'

/** Skips (one line) or, under CI=true, fails. */
function unavailable(t, why) {
  if (CI) assert.fail(`${why} (required under CI=true)`)
  t.skip(why)
}

function winlapsBinary() {
  if (process.env.WINLAPS_BIN) return process.env.WINLAPS_BIN
  const target = process.env.CARGO_TARGET_DIR || join(ROOT, 'target')
  return ['release', 'debug'].map((p) => join(target, p, 'winlaps')).find((p) => existsSync(p))
}

// GKDI key intervals: an L2 key lasts 10 hours, 32 L2 per L1, 32 L1 per L0 ([MS-GKDI] 3.1.4.1).
function currentIndex() {
  const ticks = BigInt(Date.now()) * 10000n + 116444736000000000n
  const l2 = 360000000000n
  return [Number(ticks / (l2 * 1024n)), Number((ticks / (l2 * 32n)) % 32n), Number((ticks / l2) % 32n)]
}

/** Every repository vector a KDS holding its root key can serve (as the interop suite's lab.py). */
function labVectors() {
  const now = currentIndex()
  const out = []
  for (const file of ['decrypt_real.json', 'ncrypt_blob.json', 'laps_attribute.json']) {
    for (const v of load(file).vectors) {
      const ks = v.key_source
      const exp = v.expected ?? {}
      const kid = exp.key_identifier
      const pd = exp.protection_descriptor ?? ''
      if (ks.kind !== 'root_key' || !kid || !pd.startsWith('SID=') || !exp.plaintext_hex) continue
      if (!['dpapi_ng_blob', 'laps_attribute'].includes(v.input_kind)) continue
      const k = [kid.l0, kid.l1, kid.l2]
      if (k[0] > now[0] || (k[0] === now[0] && (k[1] > now[1] || (k[1] === now[1] && k[2] > now[2])))) continue
      out.push({ id: v.id, kind: v.input_kind, value: Buffer.from(v.input_hex, 'hex'), sid: pd.slice(4), rootKey: ks, kid, plaintext: exp.plaintext_hex })
    }
  }
  return out
}

/** The distinct (SID, root key, L0) groups: the GetKey calls a batch needs. */
const groups = (vs) => new Set(vs.map((v) => `${v.sid}|${v.kid.root_key_id}|${v.kid.l0}`)).size

const lab = { proc: null, dir: null, epmPort: 0, calls: 0, vectors: [], why: null }

async function startLab() {
  const bin = winlapsBinary()
  if (!bin) return 'no winlaps binary (cargo build -p laps-cli, or set WINLAPS_BIN)'
  lab.vectors = labVectors()
  lab.dir = mkdtempSync(join(tmpdir(), 'winlaps-live-'))
  const args = ['kds', 'serve', '--listen', HOST, '--epm-port', '0', '--port', '0', '--stats']
  const keys = new Map(lab.vectors.map((v) => [v.kid.root_key_id, v.rootKey]))
  let i = 0
  for (const ks of keys.values()) {
    const f = join(lab.dir, `rk-${i++}.json`)
    const { kind, ...key } = ks
    writeFileSync(f, JSON.stringify(key))
    args.push('--root-key', f)
  }
  const sids = [...new Set(lab.vectors.map((v) => v.sid))].sort()
  const accounts = join(lab.dir, 'accounts')
  writeFileSync(accounts, `${HELPDESK.join(':')}:${sids.join(',')}\n${PLAIN.join(':')}:${PLAIN_SID}\n`)
  args.push('--account-file', accounts)
  lab.proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  lab.proc.stderr.on('data', (d) => { stderr += d })
  return new Promise((resolve) => {
    let buffered = ''
    const timer = setTimeout(() => resolve(`the lab KDS did not start: ${stderr}`), 20000)
    lab.proc.on('exit', (code) => { clearTimeout(timer); resolve(`the lab KDS exited (${code}): ${stderr}`) })
    lab.proc.stdout.on('data', (d) => {
      buffered += d
      let nl
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        const listening = line.match(/^listening on [\d.]+:(\d+) \(endpoint mapper\)/)
        if (listening) {
          lab.epmPort = Number(listening[1])
          clearTimeout(timer)
          resolve(null)
        }
        const stats = line.match(/^getkey calls: (\d+)/)
        if (stats) lab.calls = Number(stats[1])
      }
    })
  })
}

/** GetKey calls the lab KDS answered during `f` (it reports every change within 20 ms). */
async function countCalls(f) {
  const before = lab.calls
  const result = await f()
  const settle = () => new Promise((r) => setTimeout(r, 150))
  await settle()
  let last = -1
  while (last !== lab.calls) {
    last = lab.calls
    await settle()
  }
  return { result, calls: lab.calls - before }
}

before(async () => {
  lab.why = await startLab()
})

after(() => {
  if (lab.proc && lab.proc.exitCode === null) lab.proc.kill()
  if (lab.dir) rmSync(lab.dir, { recursive: true, force: true })
})

const labOptions = (extra = {}) => ({ dc: HOST, epmPort: lab.epmPort, auth: 'ntlm', credentials: new DcCredentials(...HELPDESK), timeoutMs: 5000, ...extra })

function expectedAttribute(v) {
  const doc = JSON.parse(Buffer.from(v.plaintext, 'hex').toString('utf16le').replace(/\0+$/, ''))
  return { account: doc.n, password: doc.p }
}

test('lab KDS: decryptMany decrypts the repository vectors with one GetKey per key group', async (t) => {
  if (lab.why) return unavailable(t, lab.why)
  // Every vector twice: the second copy shares its key group with the first.
  const once = lab.vectors.filter((v) => v.kind === 'laps_attribute')
  assert.ok(once.length >= 4, `${once.length} attribute vectors`)
  const vs = [...once, ...once]
  const { result, calls } = await countCalls(() => decryptMany(vs.map((v) => v.value), labOptions()))
  assert.equal(result.length, vs.length)
  result.forEach((r, i) => {
    assert.ok(r instanceof LapsCredential, `${vs[i].id}: ${r?.code} ${r?.message}`)
    const want = expectedAttribute(vs[i])
    assert.equal(r.account, want.account, vs[i].id)
    assert.equal(r.password, want.password, vs[i].id)
  })
  assert.equal(calls, groups(vs), 'GetKey calls counted by the lab KDS')
  assert.ok(calls < vs.length)
})

test('lab KDS: fetchFromDc fills a KeyStore for blobs; decryptMany with keyStore keeps its keys there', async (t) => {
  if (lab.why) return unavailable(t, lab.why)
  const blobs = lab.vectors.filter((v) => v.kind === 'dpapi_ng_blob')
  assert.ok(blobs.length >= 2)
  const store = new KeyStore()
  const { result: report, calls } = await countCalls(() => store.fetchFromDc(blobs.map((v) => v.value), labOptions({ blob: true })))
  assert.equal(report.calls, groups(blobs))
  assert.equal(calls, report.calls)
  assert.deepEqual(report.errors, blobs.map(() => null))
  for (const v of blobs) assert.equal(store.decryptBlob(v.value).toString('hex'), v.plaintext, v.id)

  // decryptMany with options.keyStore adds the keys it fetches to that store.
  const attrs = lab.vectors.filter((v) => v.kind === 'laps_attribute')
  const { result, calls: attrCalls } = await countCalls(() => decryptMany(attrs.map((v) => v.value), labOptions({ keyStore: store })))
  assert.ok(result.every((r) => r instanceof LapsCredential))
  assert.equal(attrCalls, groups(attrs))
  for (const v of attrs) assert.equal(store.decryptAttribute(v.value).password, expectedAttribute(v).password)
})

test('lab KDS: an account that may not decrypt gets LAPS_ACCESS_DENIED per value, the batch goes on', async (t) => {
  if (lab.why) return unavailable(t, lab.why)
  const vs = lab.vectors.filter((v) => v.kind === 'laps_attribute')
  const values = [Buffer.from('not a LAPS value'), ...vs.map((v) => v.value)]
  const result = await decryptMany(values, labOptions({ credentials: undefined, user: PLAIN[0], password: PLAIN[1] }))
  assert.equal(result[0].code, 'LAPS_FORMAT')
  for (const r of result.slice(1)) {
    assert.ok(r instanceof Error)
    assert.equal(r.code, 'LAPS_ACCESS_DENIED', r.message)
  }
  const report = await new KeyStore().fetchFromDc(values, labOptions({ credentials: new DcCredentials(...PLAIN) }))
  assert.equal(report.calls, groups(vs))
  assert.equal(report.errors[0].code, 'LAPS_FORMAT')
  assert.ok(report.errors.slice(1).every((e) => e.code === 'LAPS_ACCESS_DENIED'))
})

test('lab KDS: fetchGroupKeyEnvelope gives an encryptor the current key; what it encrypts decrypts', async (t) => {
  if (lab.why) return unavailable(t, lab.why)
  const sid = lab.vectors[0].sid
  // An account that may not read the SID's keys gets the public key: all a LAPS client needs.
  const gke = await fetchGroupKeyEnvelope(`SID=${sid}`, labOptions({ credentials: new DcCredentials(...PLAIN) }))
  const info = parseGroupKeyEnvelope(gke)
  assert.equal(info.publicKey, true)
  const value = encryptAttribute({ groupKeyEnvelope: gke, sid, account: 'Administrator', password: 'Fetched-Key-1!' })
  assert.equal(parseEncryptedAttribute(value).key.rootKeyId, info.rootKeyId)
  // The helpdesk, which may, decrypts it with the seed key it fetches for the same L0/L1/L2.
  const [cred] = await decryptMany([value], labOptions())
  assert.ok(cred instanceof LapsCredential, `${cred?.code} ${cred?.message}`)
  assert.equal(cred.password, 'Fetched-Key-1!')
  // Checked before any connection, as the other options are.
  assert.throws(() => fetchGroupKeyEnvelope('LOCAL=user', labOptions()), { code: 'LAPS_UNSUPPORTED' })
})

test('lab KDS: a wrong password rejects with LAPS_AUTH_FAILED, never quoting it', async (t) => {
  if (lab.why) return unavailable(t, lab.why)
  const secret = 'Not-The-Password-42'
  const values = lab.vectors.filter((v) => v.kind === 'laps_attribute').map((v) => v.value)
  await assert.rejects(decryptMany(values, labOptions({ credentials: new DcCredentials(HELPDESK[0], secret) })), (e) => {
    assert.equal(e.code, 'LAPS_AUTH_FAILED', e.message)
    assert.ok(!e.message.includes(secret))
    return true
  })
})

test('an unreachable DC rejects with LAPS_UNREACHABLE', async (t) => {
  const port = await new Promise((resolve) => {
    const s = createServer()
    s.listen(0, HOST, () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
  const value = labVectors().find((v) => v.kind === 'laps_attribute').value
  await assert.rejects(decryptMany([value], { dc: HOST, epmPort: port, user: 'u', password: 'p', timeoutMs: 2000 }), { code: 'LAPS_UNREACHABLE' })
})

test('decryptMany and fetchFromDc connect only for keys the store lacks', async () => {
  const v = labVectors().find((x) => x.kind === 'laps_attribute')
  const keyStore = new KeyStore()
  keyStore.addRootKey(rootKeyInput(v.rootKey))
  // The DC given is unreachable: every key is in the store, so it is never contacted.
  const [cred] = await decryptMany([v.value], { dc: '127.0.0.1', epmPort: 1, user: 'u', password: 'p', keyStore })
  assert.ok(cred instanceof LapsCredential)
  assert.deepEqual(await decryptMany([], { dc: '127.0.0.1', epmPort: 1, user: 'u', password: 'p' }), [])
  // Nothing to ask for (no value, or none that parses): no connection, no call.
  // A value without a SID recipient: the code decrypting it gives (LAPS_UNSUPPORTED).
  const noSid = Buffer.from(v.value)
  noSid.write('SIX', noSid.indexOf('SID'), 'latin1')
  const report = await keyStore.fetchFromDc([Buffer.from('junk'), noSid], { dc: '127.0.0.1', epmPort: 1, user: 'u', password: 'p' })
  assert.equal(report.calls, 0)
  assert.deepEqual(report.errors.map((e) => e.code), ['LAPS_FORMAT', 'LAPS_UNSUPPORTED'])
  const [fromStore] = await decryptMany([noSid], { dc: '127.0.0.1', epmPort: 1, user: 'u', password: 'p', keyStore })
  assert.equal(fromStore.code, 'LAPS_UNSUPPORTED')
})

test('a stalling server: LAPS_TIMEOUT, and the event loop keeps running meanwhile', async () => {
  const sockets = []
  const server = createServer((s) => sockets.push(s)) // accepts, never answers
  await new Promise((r) => server.listen(0, HOST, r))
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 10)
  const started = Date.now()
  try {
    const value = labVectors().find((v) => v.kind === 'laps_attribute').value
    const pending = new KeyStore().fetchFromDc([value], { dc: HOST, epmPort: server.address().port, user: 'u', password: 'p', timeoutMs: 500 })
    // The call is in flight on a worker thread; this thread is free.
    await new Promise((r) => setTimeout(r, 200))
    assert.ok(ticks >= 5, `only ${ticks} timer ticks while the call was pending`)
    await assert.rejects(pending, (e) => {
      assert.equal(e.code, 'LAPS_TIMEOUT', e.message)
      return true
    })
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 450 && elapsed < 10000, `${elapsed} ms`)
    assert.ok(ticks >= 20, `${ticks} ticks during a ${elapsed} ms call`)
  } finally {
    clearInterval(timer)
    for (const s of sockets) s.destroy()
    server.close()
  }
})

test('DcCredentials never print the password', () => {
  const secret = 'Hunter2-Dc-Secret!'
  const c = new DcCredentials('CONTOSO\\helpdesk', secret)
  assert.equal(c.user, 'CONTOSO\\helpdesk')
  for (const shown of [inspect(c), inspect(c, { showHidden: true, depth: 5 }), JSON.stringify(c), String(c), `${c}`, inspect({ credentials: c })]) {
    assert.ok(!shown.includes(secret), shown)
  }
  assert.deepEqual(Object.keys(c), [])
  assert.deepEqual(JSON.parse(JSON.stringify(c)), { user: 'CONTOSO\\helpdesk', password: '<redacted>' })
  assert.match(String(c), /user=CONTOSO\\helpdesk, password=<redacted>/)
})

test('bad options are LAPS_INVALID_ARG', () => {
  assert.throws(() => decryptMany([], null), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decryptMany([], { user: 'u', password: 'p' }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decryptMany([], { dc: 'x' }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decryptMany([], { dc: 'x', credentials: { user: 'u' } }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decryptMany([], { dc: 'x', user: 'u', password: 'p', auth: 'basic' }), {
    code: 'LAPS_INVALID_ARG',
    message: /unknown auth protocol "basic" \(expected negotiate, kerberos or ntlm\)/,
  })
  assert.throws(() => decryptMany([], { dc: 'x', user: 'u', password: 'p', epmPort: 70000 }), { code: 'LAPS_INVALID_ARG' })
  // The core's range for a network timeout (laps-client's ConnectOptions::with_io_timeout).
  for (const timeoutMs of [0, -1, 3_600_001, NaN]) {
    assert.throws(() => decryptMany([], { dc: 'x', user: 'u', password: 'p', timeoutMs }), { code: 'LAPS_INVALID_ARG' }, String(timeoutMs))
  }
  assert.throws(() => decryptMany([], { dc: 'x', user: 'u', password: 'p', timeoutMs: 0 }), { message: /from 1 ms to 1 hour/ })
  assert.throws(() => decryptMany([], { dc: 'x', user: 'u', password: 'p', blob: true }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decryptMany('nope', { dc: 'x', user: 'u', password: 'p' }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => new DcCredentials('', 'p'), { code: 'LAPS_INVALID_ARG' })
})

/** The shared Samba AD DC's variables (scripts/samba-dc writes the env file). */
function samba() {
  const path = process.env.WINLAPS_SAMBA_ENV
  if (!path || !existsSync(path)) return null
  const env = {}
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = line.match(/^(\w+)='(.*)'$/)
    if (m) env[m[1]] = m[2]
  }
  return env
}

test('Samba DC: GetKey gives the typed "no GKDI endpoint" error', async (t) => {
  const dc = samba()
  if (!dc) return unavailable(t, 'Samba DC tests skipped: WINLAPS_SAMBA_ENV is not set')
  const values = lab.vectors.length ? lab.vectors.filter((v) => v.kind === 'laps_attribute').map((v) => v.value) : []
  await assert.rejects(
    decryptMany(values, { dc: dc.SAMBA_DC_HOST, user: `${dc.SAMBA_DOMAIN}\\${dc.SAMBA_HELPDESK_USER}`, password: dc.SAMBA_HELPDESK_PASSWORD, auth: 'ntlm', timeoutMs: 10000 }),
    (e) => {
      assert.equal(e.code, 'LAPS_NO_GKDI_ENDPOINT', e.message)
      return true
    },
  )
})

test("Samba DC: a wrong password is LAPS_AUTH_FAILED (Samba's KDC refuses it)", async (t) => {
  const dc = samba()
  if (!dc) return unavailable(t, 'Samba DC tests skipped: WINLAPS_SAMBA_ENV is not set')
  // Samba has no GKDI endpoint, so the call goes straight to a port (135) and the Kerberos
  // login, which happens before any RPC, is what is judged.
  const options = (password) => ({
    dc: dc.SAMBA_DC_HOST, port: 135, auth: 'kerberos', kdc: `${dc.SAMBA_DC_IP}:88`, timeoutMs: 10000,
    credentials: new DcCredentials(`${dc.SAMBA_HELPDESK_USER}@${dc.SAMBA_REALM}`, password),
  })
  const secret = 'Wr0ng-Pa55word!'
  const values = [labVectors().find((v) => v.kind === 'laps_attribute').value]
  await assert.rejects(new KeyStore().fetchFromDc(values, options(secret)), (e) => {
    assert.equal(e.code, 'LAPS_AUTH_FAILED', e.message)
    assert.ok(!e.message.includes(secret))
    return true
  })
  // The right password passes the KDC; the DC then refuses the GKDI bind itself.
  await assert.rejects(new KeyStore().fetchFromDc(values, options(dc.SAMBA_HELPDESK_PASSWORD)), (e) => {
    assert.notEqual(e.code, 'LAPS_AUTH_FAILED', e.message)
    assert.match(e.code, /^LAPS_/)
    return true
  })
})

test('Samba DC: lookupDc finds the DC by its DNS SRV records; a name Samba does not hold rejects', async (t) => {
  const dc = samba()
  if (!dc) return unavailable(t, 'Samba DC tests skipped: WINLAPS_SAMBA_ENV is not set')
  const domain = dc.SAMBA_REALM.toLowerCase()
  const options = { nameservers: [dc.SAMBA_DC_IP], timeoutMs: 5000 }
  assert.equal((await lookupDc(domain, options)).toLowerCase(), dc.SAMBA_DC_HOST.toLowerCase())
  assert.equal((await lookupDc(`${domain}.`, { nameservers: [`${dc.SAMBA_DC_IP}:53`] })).toLowerCase(), dc.SAMBA_DC_HOST.toLowerCase())
  await assert.rejects(lookupDc(`nosuch.${domain}`, options), (e) => {
    assert.equal(e.code, 'LAPS_UNREACHABLE', e.message)
    assert.match(e.message, /_ldap\._tcp\.dc\._msdcs\.nosuch\./)
    return true
  })
})

test('lookupDc: bad arguments are LAPS_INVALID_ARG before any query; a silent server is LAPS_TIMEOUT', async () => {
  for (const domain of ['', 'a..b', 'x'.repeat(64) + '.com']) {
    await assert.rejects(lookupDc(domain), { code: 'LAPS_INVALID_ARG' }, domain)
  }
  assert.throws(() => lookupDc(42), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => lookupDc('contoso.com', 'fast'), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => lookupDc('contoso.com', { nameservers: ['dns.contoso.com'] }), {
    code: 'LAPS_INVALID_ARG',
    message: /not an IP address or IP:PORT/,
  })
  assert.throws(() => lookupDc('contoso.com', { timeoutMs: 0 }), { code: 'LAPS_INVALID_ARG' })
  // A UDP socket that never answers.
  const { createSocket } = await import('node:dgram')
  const silent = createSocket('udp4')
  await new Promise((resolve) => silent.bind(0, '127.0.0.1', resolve))
  try {
    const started = Date.now()
    await assert.rejects(lookupDc('contoso.com', { nameservers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 200 }), { code: 'LAPS_TIMEOUT' })
    assert.ok(Date.now() - started < 3000)
  } finally {
    silent.close()
  }
})
