// Both module systems: `require('winlaps')` and `import … from 'winlaps'` give the same API.
const { test } = require('node:test')
const assert = require('node:assert/strict')

const EXPORTS = [
  'KeyStore', 'LapsCredential', 'GraphPassword', 'EffectivePolicy',
  'generatePassword', 'generatePasswords', 'generatePasswordsBuffer', 'entropy', 'entropyBits',
  'resolvePolicy', 'parseRegistryPol', 'parseSyncml', 'parseReg', 'decideRotation', 'postAuthenticationTimeline',
  'encryptAttribute', 'encryptBlob', 'parseEncryptedAttribute', 'parseBlob',
  'parseLapsPasswordJson', 'parseLegacyPassword', 'parseExpirationTime', 'decodeGraphPassword',
  'fetchGroupKeyEnvelope', 'decryptMany', 'readComputer',
]

test('require() and import() expose the same functions and classes', async () => {
  const cjs = require('winlaps')
  const esm = await import('winlaps')
  for (const name of EXPORTS) {
    assert.equal(typeof cjs[name], 'function', name)
    assert.equal(esm[name], cjs[name], `named ESM export ${name}`)
    assert.equal(esm.default[name], cjs[name], `default ESM export ${name}`)
  }
})

test('index.d.ts carries each doc comment as text (no raw-string `r"` from a macro)', () => {
  const dts = require('node:fs').readFileSync(require.resolve('../index.d.ts'), 'utf8')
  assert.doesNotMatch(dts, /\/\*\*\s*r"/)
})
