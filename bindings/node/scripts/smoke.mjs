// Smoke test of the installed `winlaps` npm package, ES module (scripts/pack-and-smoke).
import assert from 'node:assert'
import fs from 'node:fs'
import path from 'node:path'
import { KeyStore, generatePassword } from 'winlaps'

function rootKeyInput(k) {
  const bytes = (hex) => (hex === undefined ? undefined : Buffer.from(hex, 'hex'))
  return {
    rootKeyId: k.root_key_id,
    rootKeyData: bytes(k.root_key_data_hex),
    version: k.version,
    kdfAlgorithm: k.kdf_algorithm,
    kdfParameters: bytes(k.kdf_parameters_hex),
    secretAgreementAlgorithm: k.secret_agreement_algorithm,
    secretAgreementParameters: bytes(k.secret_agreement_parameters_hex),
    privateKeyLength: k.private_key_length,
    publicKeyLength: k.public_key_length,
  }
}

const vectors = JSON.parse(
  fs.readFileSync(path.join(process.env.WINLAPS_REPO, 'laps-crypto/tests/data/decrypt_real.json'), 'utf8'),
)
const vector = vectors.vectors.find((v) => v.id === 'win-laps-dsinternals-1')
const store = new KeyStore()
store.addRootKey(rootKeyInput(vector.key_source))
const credential = store.decryptAttribute(Buffer.from(vector.input_hex, 'hex'))
assert.strictEqual(credential.password, vector.expected.laps_json.p)
assert.strictEqual(generatePassword({ complexity: 6, words: 4 }).length > 0, true)
console.log(`esm: winlaps on Node ${process.version}: decrypt + generate ok`)
