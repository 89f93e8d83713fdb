// Shared helpers: load the shared DPAPI-NG/LAPS vectors (kept once, in laps-crypto/tests/data) and
// turn their key sources into addon inputs.
import { readFileSync } from 'node:fs'

export const hex = (s) => Buffer.from(s, 'hex')

export function load(name) {
  return JSON.parse(readFileSync(new URL(`../../../laps-crypto/tests/data/${name}`, import.meta.url), 'utf8'))
}

/** The `RootKeyInput` of a vector's `root_key` key source. */
export function rootKeyInput(ks) {
  return {
    rootKeyId: ks.root_key_id,
    rootKeyData: hex(ks.root_key_data_hex),
    version: ks.version,
    kdfAlgorithm: ks.kdf_algorithm,
    kdfParameters: ks.kdf_parameters_hex ? hex(ks.kdf_parameters_hex) : undefined,
    secretAgreementAlgorithm: ks.secret_agreement_algorithm,
    secretAgreementParameters: ks.secret_agreement_parameters_hex ? hex(ks.secret_agreement_parameters_hex) : undefined,
    privateKeyLength: ks.private_key_length,
    publicKeyLength: ks.public_key_length,
  }
}

/** Adds a vector's key source to a store. */
export function addKey(store, ks) {
  if (ks.kind === 'root_key') store.addRootKey(rootKeyInput(ks))
  else if (ks.kind === 'group_key_envelope') store.addGroupKeyEnvelope(hex(ks.gke_hex))
  else throw new Error(`unknown key source ${ks.kind}`)
}

/** Every positive single-value vector of the shared set. */
export function positives() {
  const out = []
  for (const file of ['decrypt_real.json', 'laps_attribute.json', 'ncrypt_blob.json', 'gke_decrypt.json']) {
    for (const v of load(file).vectors) out.push({ file, ...v })
  }
  return out
}
