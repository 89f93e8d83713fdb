// The shared vectors through the addon: every positive vector decrypts to its
// plaintext, parseEncryptedAttribute reads the key identifiers, encryption with
// the recorded randomness reproduces the bytes, negatives fail with their codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import {
  KeyStore,
  LapsCredential,
  decodeGraphPassword,
  encryptAttribute,
  encryptBlob,
  makeGroupKeyEnvelope,
  parseBlob,
  parseEncryptedAttribute,
  parseExpirationTime,
  parseGroupKeyEnvelope,
  parseLapsPasswordJson,
  parseLegacyPassword,
} from 'winlaps'
import { addKey, hex, load, positives, rootKeyInput } from './vectors.mjs'

const FILETIME_UNIX_EPOCH = 116444736000000000n

test('every positive vector decrypts to its plaintext', () => {
  const all = positives()
  assert.ok(all.length >= 70, `only ${all.length} vectors`)
  for (const v of all) {
    const store = new KeyStore()
    addKey(store, v.key_source)
    const input = hex(v.input_hex)
    if (v.input_kind === 'laps_attribute') {
      const cred = store.decryptAttribute(input)
      assert.ok(cred instanceof LapsCredential)
      const j = v.expected.laps_json
      assert.equal(cred.account, j.n, v.id)
      assert.equal(cred.password, j.p, v.id)
      assert.equal(cred.updateFiletime, BigInt(`0x${j.t}`), v.id)
      assert.equal(cred.updateTime.getTime(), Number((BigInt(`0x${j.t}`) - FILETIME_UNIX_EPOCH) / 10000n), v.id)
    } else {
      assert.equal(v.input_kind, 'dpapi_ng_blob')
      assert.deepEqual(store.decryptBlob(input), hex(v.expected.plaintext_hex), v.id)
    }
  }
})

test('decryptBlob of an attribute value`s blob gives the UTF-16LE JSON plaintext', () => {
  const v = load('laps_attribute.json').vectors[0]
  const store = new KeyStore()
  addKey(store, v.key_source)
  const plaintext = store.decryptBlob(hex(v.input_hex).subarray(16))
  assert.ok(Buffer.isBuffer(plaintext))
  assert.deepEqual(plaintext, hex(v.expected.plaintext_hex))
})

test('parseEncryptedAttribute tells which key to fetch, without any key', () => {
  for (const v of positives().filter((v) => v.input_kind === 'laps_attribute')) {
    const info = parseEncryptedAttribute(hex(v.input_hex))
    const k = v.expected.key_identifier
    if (k) {
      assert.equal(info.key.rootKeyId, k.root_key_id, v.id)
      assert.deepEqual([info.key.l0, info.key.l1, info.key.l2], [k.l0, k.l1, k.l2], v.id)
      assert.equal(info.key.domainName, k.domain_name)
      assert.equal(info.key.forestName, k.forest_name)
    }
    assert.equal(info.key.path, v.expected.path)
    assert.equal(info.protectionDescriptor, v.expected.protection_descriptor)
    assert.equal(info.targetSid, v.expected.protection_descriptor.replace(/^SID=/, ''))
    assert.equal(info.contentDetached, true)
    if (v.expected.laps_header) {
      // JSON numbers above 2^53 lose precision in JS: the header time equals the JSON `t` (hex).
      assert.equal(info.updateFiletime, BigInt(`0x${v.expected.laps_json.t}`))
      assert.equal(info.encryptedSize, v.expected.laps_header.encrypted_size)
      assert.equal(info.reserved, 0)
    }
    assert.ok(info.updateTime instanceof Date)
  }
  for (const v of load('ncrypt_blob.json').vectors) {
    const info = parseBlob(hex(v.input_hex))
    assert.equal(info.contentDetached, false)
    assert.equal(info.key.rootKeyId, v.expected.key_identifier.root_key_id)
  }
})

test('history: each value decrypts on its own (decryptMany)', () => {
  for (const v of load('laps_history.json').vectors) {
    const store = new KeyStore()
    addKey(store, v.key_source)
    const results = store.decryptMany(v.input_values_hex.map(hex))
    assert.equal(results.length, v.expected.values.length)
    results.forEach((r, i) => {
      assert.ok(r instanceof LapsCredential, `${v.id}[${i}]: ${r.message}`)
      assert.equal(r.password, v.expected.values[i].laps_json.p)
    })
  }
})

test('a bad history value does not break the others', () => {
  const v = load('laps_history.json').vectors[0]
  const store = new KeyStore()
  addKey(store, v.key_source)
  const values = v.input_values_hex.map(hex)
  const broken = Buffer.from(values[1])
  broken[broken.length - 1] ^= 1
  const results = store.decryptMany([values[0], broken, values[2], Buffer.from('junk')])
  assert.ok(results[0] instanceof LapsCredential)
  assert.ok(results[1] instanceof Error)
  assert.equal(results[1].code, 'LAPS_DECRYPT_FAILED')
  assert.ok(results[2] instanceof LapsCredential)
  assert.equal(results[3].code, 'LAPS_FORMAT')
})

test('decryptManyAsync resolves to the same results off the main thread', async () => {
  const v = load('laps_history.json').vectors[0]
  const store = new KeyStore()
  addKey(store, v.key_source)
  const values = v.input_values_hex.map(hex)
  const pending = store.decryptManyAsync([...values, Buffer.alloc(3)])
  assert.ok(pending instanceof Promise)
  const results = await pending
  assert.deepEqual(results.slice(0, 3).map((c) => c.password), store.decryptMany(values).map((c) => c.password))
  assert.equal(results[3].code, 'LAPS_FORMAT')
  assert.deepEqual(await store.decryptManyAsync([]), [])
})

test('negative vectors all fail, each with its code', () => {
  const codes = {
    authentication_failed: 'LAPS_DECRYPT_FAILED',
    key_unwrap_failed: 'LAPS_DECRYPT_FAILED',
    root_key_not_found: 'LAPS_KEY_NOT_FOUND',
    malformed: 'LAPS_FORMAT',
    unsupported_algorithm: ['LAPS_UNSUPPORTED', 'LAPS_FORMAT'],
  }
  for (const v of load('negative.json').vectors) {
    const store = new KeyStore()
    addKey(store, v.key_source)
    assert.throws(() => store.decryptAttribute(hex(v.input_hex)), (e) => {
      const want = [codes[v.expected.error_class]].flat()
      assert.ok(want.includes(e.code), `${v.id}: ${e.code} ${e.message}`)
      return true
    })
  }
})

test('other protectors give LAPS_UNSUPPORTED (or parse, for OR)', () => {
  for (const v of load('parse_only.json').vectors) {
    const blob = hex(v.blob_hex)
    const info = parseBlob(blob)
    assert.equal(info.protectionDescriptor, v.expected_descriptor, v.id)
    if (!v.supported_by_laps_reader) {
      assert.throws(() => new KeyStore().decryptBlob(blob), (e) => ['LAPS_UNSUPPORTED', 'LAPS_KEY_NOT_FOUND'].includes(e.code))
    }
  }
})

test('encryptAttribute with the recorded randomness reproduces the value byte for byte', () => {
  let checked = 0
  for (const v of load('laps_attribute.json').vectors) {
    const e = v.encrypt_inputs
    if (!e) continue
    const r = e.randomness
    const randomness = hex(r.cek + r.gcm_nonce + (r.ephemeral_private_key ?? r.kdf_context_nonce ?? ''))
    const value = encryptAttribute({
      groupKeyEnvelope: hex(e.group_key_envelope_hex),
      sid: e.protection_descriptor.replace(/^SID=/, ''),
      plaintext: hex(e.plaintext_hex),
      updateTime: BigInt(`0x${v.expected.laps_json.t}`), // = the header time, exact
      randomness,
    })
    assert.equal(value.toString('hex'), v.input_hex, v.id)
    checked++
  }
  assert.ok(checked > 20, `only ${checked}`)
})

test('encryptBlob with the recorded randomness reproduces the blob byte for byte', () => {
  let checked = 0
  for (const v of load('ncrypt_blob.json').vectors) {
    const e = v.encrypt_inputs
    if (!e) continue
    const r = e.randomness
    const blob = encryptBlob({
      groupKeyEnvelope: hex(e.group_key_envelope_hex),
      sid: e.protection_descriptor.replace(/^SID=/, ''),
      plaintext: hex(e.plaintext_hex),
      randomness: hex(r.cek + r.gcm_nonce + (r.ephemeral_private_key ?? r.kdf_context_nonce ?? '')),
    })
    assert.equal(blob.toString('hex'), v.input_hex, v.id)
    checked++
  }
  assert.ok(checked > 0)
})

test('encrypt from a root key and decrypt back, for every root-key configuration', () => {
  const rootKeys = load('laps_attribute.json').root_keys
  const sid = 'S-1-5-21-1004336348-1177238915-682003330-512'
  for (const [name, ks] of Object.entries(rootKeys)) {
    for (const publicKey of [true, false]) {
      const updateTime = new Date('2026-11-22T09:00:00.123Z')
      const value = encryptAttribute({ rootKey: rootKeyInput(ks), sid, account: 'Administrator', password: 'Z,E2q68}"\\é', updateTime, publicKey, domain: 'corp.example' })
      const info = parseEncryptedAttribute(value)
      assert.equal(info.key.path, publicKey ? 'public_key' : 'private_key', name)
      assert.equal(info.key.domainName, 'corp.example')
      assert.equal(info.targetSid, sid)
      const store = new KeyStore()
      store.addRootKey(rootKeyInput(ks))
      const cred = store.decryptAttribute(value)
      assert.equal(cred.account, 'Administrator')
      assert.equal(cred.password, 'Z,E2q68}"\\é')
      assert.deepEqual(cred.updateTime, updateTime)
    }
  }
})

test('addRootKey fills Windows defaults for what is left out', () => {
  const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
  assert.ok(ks, 'the Windows default configuration is among the vectors')
  const store = new KeyStore()
  store.addRootKey({ rootKeyId: ks.root_key_id, rootKeyData: hex(ks.root_key_data_hex) })
  const v = load('laps_attribute.json').vectors.find((v) => v.key_source.name === 'rk-sha512-dh' && v.input_kind === 'laps_attribute')
  assert.equal(store.decryptAttribute(hex(v.input_hex)).password, v.expected.laps_json.p)
})

test('clear-text formats: msLAPS-Password JSON, legacy, expiration time, Graph base64', () => {
  const c = load('cleartext_formats.json')
  for (const x of c['msLAPS-Password']) {
    // As text and as the attribute's UTF-8 bytes, as Python takes str and bytes.
    for (const value of [x.ldap_value_utf8, Buffer.from(x.ldap_value_utf8)]) {
      const cred = parseLapsPasswordJson(value)
      assert.equal(cred.account, x.n)
      assert.equal(cred.password, x.p)
      assert.equal(cred.updateFiletime, BigInt(`0x${x.t_hex}`))
    }
  }
  assert.throws(() => parseLapsPasswordJson(Buffer.from([0x7b, 0xff])), {
    code: 'LAPS_FORMAT',
    message: /LAPS password JSON at byte 1: not UTF-8/,
  })
  for (const x of c.graph_deviceLocalCredentials_passwordBase64.vectors) {
    const g = decodeGraphPassword(x.passwordBase64)
    assert.equal(g.password, x.decoded_utf16le)
    assert.equal(g.encoding, 'utf-16le')
    assert.deepEqual(g.raw, Buffer.from(x.passwordBase64, 'base64'))
  }
  const utf8 = decodeGraphPassword(Buffer.from('pässword').toString('base64'))
  assert.deepEqual([utf8.password, utf8.encoding], ['pässword', 'utf-8'])
  // The password prints nowhere.
  for (const shown of [JSON.stringify(utf8), String(utf8), inspect(utf8)]) {
    assert.ok(!shown.includes('pässword'), shown)
  }
  assert.equal(String(utf8), 'GraphPassword(password=<redacted>, encoding=utf-8)')
  assert.equal(parseLegacyPassword(Buffer.from('Legacy!Pw1')), 'Legacy!Pw1')
  assert.equal(parseLegacyPassword('Legacy!Pw1'), 'Legacy!Pw1')
  assert.equal(parseExpirationTime('133928369137884253').toISOString(), '2025-05-27T16:28:33.788Z')
  assert.equal(parseExpirationTime('0'), null)
  assert.throws(() => parseExpirationTime('soon'), { code: 'LAPS_FORMAT' })
  // The same FILETIME as LDAP bytes, a bigint or (while exact) a number, as Python takes an int.
  assert.equal(parseExpirationTime(Buffer.from('133928369137884253')).toISOString(), '2025-05-27T16:28:33.788Z')
  assert.equal(parseExpirationTime(133928369137884253n).toISOString(), '2025-05-27T16:28:33.788Z')
  assert.equal(parseExpirationTime(0), null)
  assert.equal(parseExpirationTime(0n), null)
  // A number is read as JS prints it; what is no FILETIME is the core's format error, as
  // Python's parse_expiration_time(-1) is.
  assert.equal(parseExpirationTime(133928369137884253).toISOString(), '2025-05-27T16:28:33.788Z')
  for (const bad of [1.5, -1, -1n]) {
    assert.throws(() => parseExpirationTime(bad), { code: 'LAPS_FORMAT' }, String(bad))
  }
  assert.throws(() => parseLapsPasswordJson('{"n":1}'), { code: 'LAPS_FORMAT' })
  assert.throws(() => decodeGraphPassword('%%%'), { code: 'LAPS_FORMAT' })
})

test('crypto argument errors are LAPS_INVALID_ARG or LAPS_KEY_NOT_FOUND', () => {
  const store = new KeyStore()
  const bad = { code: 'LAPS_INVALID_ARG' }
  assert.throws(() => store.addRootKey({ rootKeyId: 'not-a-guid', rootKeyData: Buffer.alloc(64) }), bad)
  assert.throws(() => store.addRootKey({ rootKeyId: '108e67ae-2ef9-d45e-4379-0141bb7a49d1', rootKeyData: Buffer.alloc(0) }), bad)
  assert.throws(() => store.addRootKey({ rootKeyId: '108e67ae-2ef9-d45e-4379-0141bb7a49d1', rootKeyData: 'x' }), bad)
  assert.throws(() => store.addRootKey(), bad)
  assert.throws(() => store.decryptAttribute('abc'), bad)
  assert.throws(() => store.decryptMany('abc'), bad)
  assert.throws(() => store.decryptMany([1, 2]), bad)
  assert.throws(() => store.addGroupKeyEnvelope(Buffer.alloc(4)), { code: 'LAPS_FORMAT' })
  const v = load('laps_attribute.json').vectors[0]
  assert.throws(() => store.decryptAttribute(hex(v.input_hex)), { code: 'LAPS_KEY_NOT_FOUND' })
  const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
  assert.throws(() => encryptAttribute({ sid: 'S-1-5-32-544', account: 'a', password: 'b' }), bad)
  assert.throws(() => encryptAttribute({ sid: 'nope', rootKey: rootKeyInput(ks), account: 'a', password: 'b' }), bad)
  assert.throws(() => encryptAttribute({ sid: 'S-1-5-32-544', rootKey: rootKeyInput(ks) }), bad)
  assert.throws(() => encryptAttribute({ sid: 'S-1-5-32-544', rootKey: rootKeyInput(ks), domain: 'contoso.com', account: 'a', password: 'b', randomness: Buffer.alloc(8) }), { code: 'LAPS_RANDOMNESS' })
  assert.throws(() => encryptBlob({ sid: 'S-1-5-32-544', rootKey: rootKeyInput(ks) }), bad)
})

test('a root key needs the caller\'s domain; the default path is the public key, for blobs too', () => {
  const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
  assert.throws(
    () => encryptAttribute({ sid: 'S-1-5-32-544', rootKey: rootKeyInput(ks), account: 'a', password: 'b' }),
    { code: 'LAPS_INVALID_ARG', message: /domain name is needed/ },
  )
  const blob = encryptBlob({ sid: 'S-1-5-32-544', rootKey: rootKeyInput(ks), domain: 'corp.example', plaintext: Buffer.from('x') })
  const info = parseBlob(blob)
  assert.equal(info.key.path, 'public_key')
  assert.equal(info.key.domainName, 'corp.example')
  assert.equal(info.key.forestName, 'corp.example')
})

test('sid takes a one-SID protection descriptor too; any other descriptor is unsupported', () => {
  const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
  const opts = { rootKey: rootKeyInput(ks), domain: 'corp.example', plaintext: Buffer.from('x') }
  assert.equal(parseBlob(encryptBlob({ ...opts, sid: 'SID=S-1-5-32-544' })).targetSid, 'S-1-5-32-544')
  for (const sid of ['LOCAL=user', 'SID=S-1-5-32-544 OR SID=S-1-5-32-545']) {
    assert.throws(() => encryptBlob({ ...opts, sid }), { code: 'LAPS_UNSUPPORTED' }, sid)
  }
  assert.throws(() => encryptBlob({ ...opts, sid: 'SID=nope' }), { code: 'LAPS_INVALID_ARG', message: /not a SID/ })
})

test('parseGroupKeyEnvelope reads every GetKey answer among the vectors', () => {
  const vectors = load('gke_decrypt.json').vectors
  assert.ok(vectors.length > 0)
  for (const v of vectors) {
    const f = v.key_source.gke_fields
    const info = parseGroupKeyEnvelope(hex(v.key_source.gke_hex))
    assert.deepEqual([info.l0, info.l1, info.l2, info.flags], [f.l0, f.l1, f.l2, f.flags], v.id)
    assert.equal(info.publicKey, false, v.id)
    assert.equal(info.rootKeyId, v.root_key_for_crosscheck.root_key_id.toLowerCase(), v.id)
  }
  assert.throws(() => parseGroupKeyEnvelope(Buffer.alloc(10)), { code: 'LAPS_FORMAT' })
  assert.throws(() => parseGroupKeyEnvelope('nope'), { code: 'LAPS_INVALID_ARG' })
})

test('playing the DC: a seed envelope decrypts, a public-key one does not', () => {
  const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
  const sid = 'S-1-5-21-1-2-3-512'
  const updateTime = 133_928_369_137_884_253n
  const value = encryptAttribute({ rootKey: rootKeyInput(ks), sid, domain: 'contoso.com', account: 'Administrator', password: 'pw', updateTime })
  const seed = makeGroupKeyEnvelope({ rootKey: rootKeyInput(ks), sid, updateTime, publicKey: false, domain: 'contoso.com' })
  const pub = makeGroupKeyEnvelope({ rootKey: rootKeyInput(ks), sid, updateTime, domain: 'contoso.com' })
  assert.equal(parseGroupKeyEnvelope(seed).publicKey, false)
  assert.equal(parseGroupKeyEnvelope(pub).publicKey, true)
  assert.equal(parseGroupKeyEnvelope(seed).domainName, 'contoso.com')
  const key = parseEncryptedAttribute(value).key
  const seedInfo = parseGroupKeyEnvelope(seed)
  assert.deepEqual([seedInfo.rootKeyId, seedInfo.l0, seedInfo.l1, seedInfo.l2], [key.rootKeyId, key.l0, key.l1, key.l2])
  const withSeed = new KeyStore()
  withSeed.addGroupKeyEnvelope(seed)
  assert.equal(withSeed.decryptAttribute(value).password, 'pw')
  const withPublic = new KeyStore()
  withPublic.addGroupKeyEnvelope(pub)
  assert.throws(() => withPublic.decryptAttribute(value), { code: 'LAPS_KEY_NOT_FOUND' })
  // No default domain, and a root key is the only key source a DC has.
  assert.throws(() => makeGroupKeyEnvelope({ rootKey: rootKeyInput(ks), sid }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => makeGroupKeyEnvelope({ groupKeyEnvelope: seed, sid, domain: 'contoso.com' }), { code: 'LAPS_INVALID_ARG' })
})
