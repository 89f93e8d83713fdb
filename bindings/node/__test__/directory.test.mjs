// readComputer: Get-LapsADPassword's records from a computer's attribute values (laps-directory's
// rules), with values encrypted here to a test root key. No LDAP: an ldapts (or any) client
// supplies `attributes`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { KeyStore, encryptAttribute, readComputer } from 'winlaps'

const SID = 'S-1-5-21-1-2-3-512'
const OTHER = 'S-1-5-21-1-2-3-1105'
const ROOT = { rootKeyId: '93b65561-b7f7-bed4-bca2-a7428e3819fd', rootKeyData: Buffer.from(Array.from({ length: 64 }, (_, i) => i)) }
const DN = 'CN=PC01,CN=Computers,DC=contoso,DC=com'
const at = (day) => new Date(Date.UTC(2026, 10, day, 9))
const value = (password, day, sid = SID) =>
  encryptAttribute({ rootKey: ROOT, domain: 'contoso.com', sid, account: 'Administrator', password, updateTime: at(day) })
const keys = () => {
  const k = new KeyStore()
  k.addRootKey(ROOT)
  return k
}

test('the newest source first, history newest first by update time', () => {
  const records = readComputer(
    DN,
    {
      'msLAPS-EncryptedPassword': [value('Now', 20)],
      'msLAPS-EncryptedPasswordHistory': [value('Oldest', 1), value('Newer', 10), value('Older', 5)],
      'msLAPS-PasswordExpirationTime': ['134100000000000000'],
      'ms-Mcs-AdmPwd': ['legacy'],
      sAMAccountName: ['PC01$'],
    },
    keys(),
    { includeHistory: true },
  )
  assert.deepEqual(
    records.map((r) => [r.Source, r.Password]),
    [
      ['EncryptedPassword', 'Now'],
      ['EncryptedPasswordHistory', 'Newer'],
      ['EncryptedPasswordHistory', 'Older'],
      ['EncryptedPasswordHistory', 'Oldest'],
    ],
  )
  assert.equal(records[0].ComputerName, 'PC01')
  assert.equal(records[0].DecryptionStatus, 'Success')
  assert.equal(records[0].PasswordUpdateTime.getTime(), at(20).getTime())
  assert.equal(records[0].ExpirationTimestamp.toISOString(), '2025-12-12T08:00:00.000Z')
  assert.equal(records[0].TargetSid, SID)
  assert.equal(records[1].ExpirationTimestamp, undefined)
})

test('a value for a group the caller is not in is Unauthorized alone', () => {
  const attrs = {
    'msLAPS-EncryptedPassword': [value('Mine', 20)],
    'msLAPS-EncryptedPasswordHistory': [value('Theirs', 10, OTHER), Buffer.from('garbage')],
  }
  const records = readComputer(DN, attrs, keys(), {
    includeHistory: true,
    callerSids: [SID],
    principalNames: { [OTHER]: 'CONTOSO\\LAPS Readers' },
  })
  assert.deepEqual(records.map((r) => r.DecryptionStatus), ['Success', 'Unauthorized', 'Malformed'])
  assert.equal(records[1].Password, undefined)
  assert.equal(records[1].AuthorizedDecryptor, 'CONTOSO\\LAPS Readers')
  assert.equal(readComputer(DN, attrs, new KeyStore())[0].DecryptionStatus, 'KeyNotFound')
})

test('clear-text and legacy values need no key', () => {
  const clear = readComputer(DN, { 'msLAPS-Password': ['{"n":"Adm","t":"1dc5f0a1b2c3d4e","p":"Clear-1!"}'] }, new KeyStore())[0]
  assert.deepEqual([clear.Source, clear.Account, clear.Password, clear.DecryptionStatus], ['CleartextPassword', 'Adm', 'Clear-1!', 'NotApplicable'])
  const legacy = readComputer(DN, { 'ms-Mcs-AdmPwd': [Buffer.from('Legacy-1!')] }, new KeyStore())[0]
  assert.deepEqual([legacy.Source, legacy.Password], ['LegacyLapsCleartextPassword', 'Legacy-1!'])
})

test('errors carry codes', () => {
  assert.throws(() => readComputer(DN, { description: ['x'] }, keys()), { code: 'LAPS_NOT_FOUND', message: /no LAPS password attributes/ })
  // Arguments of the wrong type are LAPS_INVALID_ARG naming the argument, as everywhere else.
  assert.throws(() => readComputer(DN, 'msLAPS-Password', keys()), { code: 'LAPS_INVALID_ARG', message: /^attributes/ })
  assert.throws(() => readComputer(DN, { 'ms-Mcs-AdmPwd': ['x'] }, {}), { code: 'LAPS_INVALID_ARG', message: /^keys/ })
  assert.throws(() => readComputer(DN, { 'ms-Mcs-AdmPwd': ['x'] }, keys(), 7), { code: 'LAPS_INVALID_ARG', message: /^options/ })
  assert.throws(() => readComputer(DN, { 'msLAPS-Password': ['a', 'b'] }, keys()), { code: 'LAPS_FORMAT', message: /several values/ })
})
