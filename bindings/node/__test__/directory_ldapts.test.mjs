// The README's ldapts flow against the Samba AD DC fixture (scripts/samba-dc): ldapts (not
// winlaps) binds over LDAPS, reads the KDS root key and a computer's LAPS attributes, and
// readComputer turns them into Get-LapsADPassword's records. The values are written with ldapts
// first: an msLAPS-EncryptedPassword encrypted to Domain Admins with the DC's own root key, and
// a legacy ms-Mcs-AdmPwd. Needs WINLAPS_SAMBA_ENV=DIR/env; skipped without it (fails under
// CI=true).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Attribute, Change, Client } from 'ldapts'
import { KeyStore, encryptAttribute, readComputer } from 'winlaps'

const envPath = process.env.WINLAPS_SAMBA_ENV
if (!envPath && process.env.CI === 'true') {
  throw new Error('WINLAPS_SAMBA_ENV is not set under CI=true (scripts/samba-dc start DIR)')
}
if (!envPath) {
  console.log('skipping the ldapts Samba test: WINLAPS_SAMBA_ENV not set (see scripts/samba-dc)')
}
const env = envPath
  ? Object.fromEntries(
      readFileSync(envPath, 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => {
          const i = l.indexOf('=')
          return [l.slice(0, i), l.slice(i + 1).replace(/^'|'$/g, '')]
        }),
    )
  : {}

/** The KDS root keys (Domain Admins may read them) as `KeyStore.addRootKey` takes them. */
async function readRootKeys(client) {
  const binary = ['msKds-RootKeyData', 'msKds-KDFParam', 'msKds-SecretAgreementParam']
  const { searchEntries } = await client.search(
    `CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services,${env.SAMBA_CONFIG_DN}`,
    {
      scope: 'one',
      filter: '(objectClass=msKds-ProvRootKey)',
      attributes: ['cn', 'msKds-Version', 'msKds-KDFAlgorithmID', 'msKds-SecretAgreementAlgorithmID',
        'msKds-PrivateKeyLength', 'msKds-PublicKeyLength', ...binary],
      explicitBufferAttributes: binary,
    },
  )
  return searchEntries.map((e) => ({
    rootKeyId: e.cn,
    rootKeyData: e['msKds-RootKeyData'],
    version: Number(e['msKds-Version']),
    kdfAlgorithm: e['msKds-KDFAlgorithmID'],
    kdfParameters: e['msKds-KDFParam'],
    secretAgreementAlgorithm: e['msKds-SecretAgreementAlgorithmID'],
    secretAgreementParameters: e['msKds-SecretAgreementParam'],
    privateKeyLength: Number(e['msKds-PrivateKeyLength']),
    publicKeyLength: Number(e['msKds-PublicKeyLength']),
  }))
}

test('ldapts reads a computer from the Samba DC and readComputer decrypts it', { skip: !envPath }, async () => {
  const client = new Client({
    url: `ldaps://${env.SAMBA_DC_HOST}`,
    tlsOptions: { ca: [readFileSync(env.SAMBA_CA_FILE)] },
    timeout: 20000,
    connectTimeout: 10000,
  })
  await client.bind(`${env.SAMBA_ADMIN_USER}@${env.SAMBA_REALM}`, env.SAMBA_ADMIN_PASSWORD)
  try {
    const rootKeys = await readRootKeys(client)
    const rootKey = rootKeys.find((k) => k.rootKeyId === env.SAMBA_ROOT_KEY_ID)
    assert.ok(rootKey, 'the fixture root key is readable')
    assert.equal(rootKey.privateKeyLength, 256) // Samba's; Windows uses 512

    // A fresh computer with values written by ldapts.
    const dn = `CN=TNODE,CN=Computers,${env.SAMBA_BASE_DN}`
    await client.del(dn).catch(() => {})
    await client.add(dn, { objectClass: 'computer', sAMAccountName: 'TNODE$', userAccountControl: '4096' })
    const updateTime = new Date(Date.now() - 3600 * 1000)
    const encrypted = encryptAttribute({
      rootKey,
      sid: `${env.SAMBA_DOMAIN_SID}-512`,
      account: 'Administrator',
      password: 'Node-Ldapts-Pa55!',
      updateTime,
      domain: env.SAMBA_REALM.toLowerCase(),
    })
    await client.modify(dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'msLAPS-EncryptedPassword', values: [encrypted] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'msLAPS-PasswordExpirationTime', values: ['134100000000000000'] }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'ms-Mcs-AdmPwd', values: ['Legacy-Node-1!'] }) }),
    ])

    // The README's read.
    const { searchEntries } = await client.search(env.SAMBA_BASE_DN, {
      filter: '(sAMAccountName=TNODE$)',
      attributes: ['cn', 'msLAPS-EncryptedPassword', 'msLAPS-EncryptedPasswordHistory', 'msLAPS-Password',
        'msLAPS-PasswordExpirationTime', 'ms-Mcs-AdmPwd', 'ms-Mcs-AdmPwdExpirationTime'],
      explicitBufferAttributes: ['msLAPS-EncryptedPassword', 'msLAPS-EncryptedPasswordHistory'],
    })
    assert.equal(searchEntries.length, 1)
    const { dn: found, ...attrs } = searchEntries[0]
    const values = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, [v].flat()]))
    const keys = new KeyStore()
    for (const k of rootKeys) keys.addRootKey(k)
    const records = readComputer(found, values, keys, { includeHistory: true })

    assert.equal(records.length, 1, 'the encrypted value wins over the legacy one')
    const [r] = records
    assert.equal(r.ComputerName, 'TNODE')
    assert.equal(r.Source, 'EncryptedPassword')
    assert.equal(r.DecryptionStatus, 'Success')
    assert.equal(r.Account, 'Administrator')
    assert.equal(r.Password, 'Node-Ldapts-Pa55!')
    assert.equal(r.TargetSid, `${env.SAMBA_DOMAIN_SID}-512`)
    assert.equal(r.PasswordUpdateTime.getTime(), updateTime.getTime())
    assert.equal(r.ExpirationTimestamp.toISOString(), '2025-12-12T08:00:00.000Z')

    // Without the root key (a reader who is no Domain Admin, no GetKey): KeyNotFound.
    const none = readComputer(found, values, new KeyStore())
    assert.equal(none[0].DecryptionStatus, 'KeyNotFound')
    assert.equal(none[0].Password, undefined)
    await client.del(dn)
  } finally {
    await client.unbind()
  }
})
