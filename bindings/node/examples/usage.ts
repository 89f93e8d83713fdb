// A TypeScript tour of the winlaps API. `tsc --noEmit` checks it in CI, so the
// declarations in index.d.ts stay true to how the package is meant to be used.
import { readFileSync } from 'node:fs'
import {
  KeyStore,
  LapsCredential,
  decodeGraphPassword,
  encryptAttribute,
  encryptBlob,
  parseBlob,
  parseEncryptedAttribute,
  parseExpirationTime,
  parseLapsPasswordJson,
  parseLegacyPassword,
  checkLocalPasswordPolicy,
  decideRotation,
  entropy,
  entropyBits,
  generatePassword,
  generatePasswords,
  generatePasswordsBuffer,
  parseReg,
  parseRegistryPol,
  parseSyncml,
  postAuthenticationTimeline,
  resolvePolicy,
  settingCatalog,
  writeReg,
  writeRegistryPol,
  writeSyncml,
  type BlobInfo,
  type DeviceOptions,
  type EncryptedAttributeInfo,
  type LapsError,
  type LocalPasswordPolicyOptions,
  type LocalPolicyFit,
  type RootKeyInput,
  type EffectivePolicy,
  type RegistryOperation,
  type EntropyBits,
  type ErrorCode,
  type ParsedPolicy,
  type PasswordOptions,
  type PolicyDiagnostic,
  type PolicyInput,
  type PolicyMode,
  type PolicySource,
  type RotationDecision,
  type SettingInfo,
  type SettingProvenance,
} from 'winlaps'

// --- generation ---------------------------------------------------------------
const opts: PasswordOptions = { complexity: 5, length: 20 }
const one: string = generatePassword(opts)
const many: string[] = generatePasswords(1000, { complexity: 6, words: 5 })
const reproducible: string = generatePassword({ seed: new Uint8Array(32) })
const bulk: Buffer = generatePasswordsBuffer(100_000, { complexity: 4 })
bulk.fill(0)
const bits: number = entropyBits({ complexity: 4, length: 14 })
const both: EntropyBits = entropy()
console.log(one.length, many.length, reproducible.length, bits.toFixed(2), both.naive - both.exact)
const strict: LocalPasswordPolicyOptions = { minimumLength: 14, complexityRequired: true }
const fit: LocalPolicyFit = checkLocalPasswordPolicy({ complexity: 6 }, strict)
for (const p of fit.problems) console.log(p.rule, p.rejected, p.message, p.shortest ?? p.guaranteed)

// --- policy --------------------------------------------------------------------
const device: DeviceOptions = {
  join: 'ad', osBuild: 26100, domainController: false, dfl2016: true, safeMode: false, passwordPolicy: strict,
  entraTenantLapsEnabled: true, entraDeviceEnabled: true,
}
const gpo: ParsedPolicy = parseRegistryPol(readFileSync('Registry.pol'))
const csp = parseSyncml('<SyncML>...</SyncML>')
const fromReg: ParsedPolicy = parseReg(Buffer.from('Windows Registry Editor Version 5.00'))
const input: PolicyInput = { ...gpo, csp: csp.csp, legacy: fromReg.legacy, device }
const ops: RegistryOperation[] = fromReg.operations
console.log(ops.map((o) => [o.op, o.key, o.name, o.value]), gpo.ignoredKeys, gpo.state, csp.commands.map((c) => c.status))
const catalog: SettingInfo[] = settingCatalog()
for (const s of catalog) console.log(s.name, s.default, s.allowed, s.minBuild, s.description)
const polBytes: Buffer = writeRegistryPol({ BackupDirectory: 2, PasswordAgeDays: 14 })
const syncmlText: string = writeSyncml({ BackupDirectory: 1 }, { resetPassword: true })
const regText: string = writeReg({ BackupDirectory: 0 }, { root: 'local' })
console.log(polBytes.length, syncmlText.length, regText.length)
const inline: PolicyInput = { gpo: { BackupDirectory: 2, PasswordComplexity: 5, Big: 1n << 40n, Names: ['a'], Raw: new Uint8Array(2) } }
const policy: EffectivePolicy = resolvePolicy(input)
const source: PolicySource = policy.source
const mode: PolicyMode = resolvePolicy(inline).mode
const prov: SettingProvenance = policy.provenance('PasswordLength')
const diagnostics: PolicyDiagnostic[] = policy.diagnostics
const ageDays: number | boolean | string | null = policy.value('password_age_days')
console.log(source, mode, prov.description, diagnostics.length, ageDays, csp.resetPasswordRequested)
console.log(policy.explain(), JSON.stringify(policy.toJSON()), policy.rootVerdict('gpo'))
console.log(generatePassword(policy.passwordOptions), policy.passwordComplexity, policy.adPasswordEncryptionEnabled)
const decision: RotationDecision = decideRotation(
  policy,
  { policySource: 'gpo', lastPasswordUpdate: new Date(), lastAccountRid: 500 },
  { passwordExpirationTime: new Date(), encryptedPasswordPresent: true },
  new Date(),
)
if (decision.rotate) console.log(decision.reasons.join(', '), decision.newExpiration?.toISOString())
const timeline = postAuthenticationTimeline(policy, new Date())
console.log(timeline.deadline, timeline.actionNames)

// --- crypto -------------------------------------------------------------------
const rootKey: RootKeyInput = { rootKeyId: '7dc8f7a1-4b2e-4f59-9c3e-3f1d2b9a6c01', rootKeyData: new Uint8Array(64) }
const store = new KeyStore()
store.addRootKey(rootKey)
store.addRootKey({ ...rootKey, kdfParameters: Buffer.alloc(26), secretAgreementAlgorithm: 'ECDH_P256', privateKeyLength: 256, publicKeyLength: 256 })
store.addGroupKeyEnvelope(readFileSync('gke.bin'))
const sid = 'S-1-5-21-1004336348-1177238915-682003330-512'
const value: Buffer = encryptAttribute({ rootKey, sid, account: 'Administrator', password: one, updateTime: new Date() })
const exact: Buffer = encryptAttribute({ groupKeyEnvelope: readFileSync('gke.bin'), sid, plaintext: Buffer.alloc(4), updateTime: 133928369137884253n, randomness: Buffer.alloc(76) })
const blob: Buffer = encryptBlob({ rootKey, sid, plaintext: new TextEncoder().encode('secret'), publicKey: false, domain: 'corp.example' })
const info: EncryptedAttributeInfo = parseEncryptedAttribute(value)
const blobInfo: BlobInfo = parseBlob(blob)
console.log(info.key?.rootKeyId, info.key?.l0, info.updateFiletime + 1n, blobInfo.targetSid, exact.length)
const cred: LapsCredential = store.decryptAttribute(value)
const when: Date = cred.updateTime
console.log(cred.account, cred.password.length, when.toISOString(), cred.updateFiletime, JSON.stringify(cred), String(cred))
const plaintext: Buffer = store.decryptBlob(blob)
const results: Array<LapsCredential | LapsError> = store.decryptMany([value, exact])
for (const r of results) console.log(r instanceof LapsCredential ? r.account : r.code)
async function serve(values: Uint8Array[]): Promise<number> {
  const batch = await store.decryptManyAsync(values)
  return batch.filter((r): r is LapsCredential => r instanceof LapsCredential).length
}
void serve([value]).then((n) => console.log(n, plaintext.length))
const fromLdap: LapsCredential = parseLapsPasswordJson('{"n":"Administrator","t":"1d8161b41c41cde","p":"x"}')
const legacy: string = parseLegacyPassword(Buffer.from('pw'))
const expires: Date | null = parseExpirationTime('133928369137884253')
const graph: string = decodeGraphPassword('UQBRAEAAZAA4AGYAOABnAFkA').password
console.log(fromLdap.account, legacy, expires, graph)

// --- errors -------------------------------------------------------------------
/** Narrows a caught value to a winlaps error. */
function lapsCode(e: unknown): ErrorCode | undefined {
  return e instanceof Error && 'code' in e ? (e as LapsError).code : undefined
}
try {
  generatePassword({ complexity: 9 })
} catch (e) {
  const code = lapsCode(e)
  if (code === 'LAPS_INVALID_ARG') console.log('rejected as expected')
}
