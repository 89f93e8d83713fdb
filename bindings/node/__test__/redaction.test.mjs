// Secrets never print: a LapsCredential shows its password only through the
// explicit getter, and no error message quotes a password or key.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { KeyStore, LapsCredential, encryptAttribute, parseLapsPasswordJson } from 'winlaps'
import { hex, load, rootKeyInput } from './vectors.mjs'

const SECRET = 'Hunter2-Hunter2!'
const ks = load('laps_attribute.json').root_keys['rk-sha512-dh']
const sid = 'S-1-5-21-1004336348-1177238915-682003330-512'

function credential() {
  const store = new KeyStore()
  store.addRootKey(rootKeyInput(ks))
  return store.decryptAttribute(encryptAttribute({ rootKey: rootKeyInput(ks), domain: 'contoso.com', sid, account: 'Administrator', password: SECRET }))
}

test('console.log, util.inspect, JSON.stringify and String do not show the password', () => {
  const cred = credential()
  assert.ok(cred instanceof LapsCredential)
  for (const shown of [inspect(cred), inspect(cred, { showHidden: true, depth: 5, getters: false }), JSON.stringify(cred), String(cred), `${cred}`, inspect([cred]), inspect({ cred })]) {
    assert.ok(!shown.includes(SECRET), shown)
  }
  assert.deepEqual(Object.keys(cred), [])
  assert.equal(JSON.parse(JSON.stringify(cred)).password, '<redacted>')
  assert.equal(JSON.parse(JSON.stringify(cred)).account, 'Administrator')
  assert.match(String(cred), /account=Administrator.*password=<redacted>/)
})

test('reading the password is explicit', () => {
  assert.equal(credential().password, SECRET)
})

test('the clear-text JSON parser does not echo the password in errors', () => {
  const cred = parseLapsPasswordJson(`{"n":"a","t":"1d8161b41c41cde","p":"${SECRET}"}`)
  assert.equal(cred.password, SECRET)
  assert.throws(() => parseLapsPasswordJson(`{"n":"a","t":"zz","p":"${SECRET}"}`), (e) => !e.message.includes(SECRET))
  assert.throws(() => parseLapsPasswordJson(`{"n":"a","t":"1","p":"${SECRET}`), (e) => !e.message.includes(SECRET))
})

test('a wrong key and a tampered tag say the same opaque thing, nothing secret', () => {
  const value = encryptAttribute({ rootKey: rootKeyInput(ks), domain: 'contoso.com', sid, account: 'Administrator', password: SECRET })
  const tampered = Buffer.from(value)
  tampered[tampered.length - 1] ^= 0x80
  const store = new KeyStore()
  store.addRootKey(rootKeyInput(ks))
  const wrong = new KeyStore()
  wrong.addRootKey({ ...rootKeyInput(ks), rootKeyData: Buffer.alloc(64, 1) })
  const messages = []
  for (const f of [() => store.decryptAttribute(tampered), () => wrong.decryptAttribute(value)]) {
    assert.throws(f, (e) => {
      assert.equal(e.code, 'LAPS_DECRYPT_FAILED')
      messages.push(e.message)
      return true
    })
  }
  assert.equal(messages[0], messages[1])
  for (const m of messages) {
    assert.ok(!m.includes(SECRET))
    assert.ok(!m.includes(ks.root_key_data_hex.slice(0, 8)))
  }
})

test('a KeyStore does not show its keys', () => {
  const store = new KeyStore()
  store.addRootKey(rootKeyInput(ks))
  const shown = inspect(store, { showHidden: true }) + JSON.stringify(store)
  assert.ok(!shown.includes(ks.root_key_data_hex.slice(0, 8)))
})
