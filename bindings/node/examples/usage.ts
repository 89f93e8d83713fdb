// A TypeScript tour of the winlaps API. `tsc --noEmit` checks it in CI, so the
// declarations in index.d.ts stay true to how the package is meant to be used.
import { readFileSync } from 'node:fs'
import {
  decideRotation,
  entropy,
  entropyBits,
  generatePassword,
  generatePasswords,
  parseReg,
  parseRegistryPol,
  parseSyncml,
  postAuthenticationTimeline,
  resolvePolicy,
  type DeviceOptions,
  type EffectivePolicy,
  type EntropyBits,
  type ErrorCode,
  type ParsedPolicy,
  type PasswordOptions,
  type PolicyDiagnostic,
  type PolicyInput,
  type PolicyMode,
  type PolicySource,
  type RotationDecision,
  type SettingProvenance,
} from 'winlaps'

// --- generation ---------------------------------------------------------------
const opts: PasswordOptions = { complexity: 5, length: 20 }
const one: string = generatePassword(opts)
const many: string[] = generatePasswords(1000, { complexity: 6, words: 5 })
const reproducible: string = generatePassword({ seed: new Uint8Array(32) })
const bits: number = entropyBits({ complexity: 4, length: 14 })
const both: EntropyBits = entropy()
console.log(one.length, many.length, reproducible.length, bits.toFixed(2), both.naive - both.exact)

// --- policy --------------------------------------------------------------------
const device: DeviceOptions = { join: 'ad', osBuild: 26100, domainController: false, dfl2016: true }
const gpo: ParsedPolicy = parseRegistryPol(readFileSync('Registry.pol'))
const csp = parseSyncml('<SyncML>...</SyncML>')
const fromReg: ParsedPolicy = parseReg(Buffer.from('Windows Registry Editor Version 5.00'))
const input: PolicyInput = { ...gpo, csp: csp.csp, legacy: fromReg.legacy, device }
const inline: PolicyInput = { gpo: { BackupDirectory: 2, PasswordComplexity: 5, Big: 1n << 40n, Names: ['a'], Raw: new Uint8Array(2) } }
const policy: EffectivePolicy = resolvePolicy(input)
const source: PolicySource = policy.source
const mode: PolicyMode = resolvePolicy(inline).mode
const prov: SettingProvenance = policy.provenance('PasswordLength')
const diagnostics: PolicyDiagnostic[] = policy.diagnostics
const value: number | boolean | string | null = policy.value('password_age_days')
console.log(source, mode, prov.description, diagnostics.length, value, csp.resetPasswordRequested)
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

// --- errors -------------------------------------------------------------------
/** Narrows a caught value to a winlaps error. */
function lapsCode(e: unknown): ErrorCode | undefined {
  return e instanceof Error && 'code' in e ? (e.code as ErrorCode) : undefined
}
try {
  generatePassword({ complexity: 9 })
} catch (e) {
  const code = lapsCode(e)
  if (code === 'LAPS_INVALID_ARG') console.log('rejected as expected')
}
