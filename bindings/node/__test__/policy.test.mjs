// The policy rules of docs/policy-rules.md §0, through the addon: root precedence,
// BackupDirectory gating, fallbacks, join states, DCs, legacy emulation, the
// three parsers, rotation factors and the post-authentication timeline.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import {
  decideRotation,
  localStateAfterRotation,
  localStateFromRegistry,
  parseReg,
  parseRegistryPol,
  parseSyncml,
  postAuthenticationTimeline,
  resetPasswordStatus,
  resolvePolicy,
  settingCatalog,
  writeReg,
  writeRegistryPol,
  writeSyncml,
} from 'winlaps'

const data = (name) => readFileSync(new URL(`../../../laps-policy/tests/data/${name}`, import.meta.url))
const DAY = 86_400_000

test('rule 1: the first root holding any setting is the only source, no merging', () => {
  const p = resolvePolicy({
    csp: { PasswordComplexity: 3 },
    gpo: { BackupDirectory: 2, PasswordLength: 20, PasswordComplexity: 5 },
  })
  assert.equal(p.source, 'csp')
  assert.equal(p.passwordLength, 14, 'the GPO length is not merged in')
  assert.equal(p.mode, 'disabled', 'BackupDirectory defaults to 0 in the CSP root')
  assert.match(p.rootVerdict('gpo'), /GPO root is ignored/)
  assert.ok(p.diagnostics.some((d) => d.code === 'root_ignored' && d.root === 'gpo'))
  const shadowed = p.provenance('PasswordComplexity').shadowed
  assert.deepEqual(shadowed, [{ root: 'gpo', name: 'PasswordComplexity', raw: 5 }])
})

test('rule 1: the order is CSP, GPO, local, legacy', () => {
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, local: { BackupDirectory: 1 } }).source, 'gpo')
  assert.equal(resolvePolicy({ local: { BackupDirectory: 2 }, legacy: { AdmPwdEnabled: 1 } }).source, 'local')
  assert.equal(resolvePolicy({}).source, 'none')
  assert.equal(resolvePolicy().mode, 'disabled')
})

test('rule 1: a stray CSP value silences a complete GPO (real files)', () => {
  const p = resolvePolicy(parseReg(data('csp-leftover.reg')))
  assert.equal(p.source, 'csp')
  assert.equal(p.mode, 'disabled')
})

test('rule 3: BackupDirectory 0 disables everything; the dropdown left on Disabled', () => {
  const p = resolvePolicy(parseRegistryPol(data('gpo-dropdown-disabled.pol')))
  assert.equal(p.source, 'gpo')
  assert.equal(p.backupDirectory, 0)
  assert.equal(p.mode, 'disabled')
  assert.equal(p.provenance('PasswordLength').applicable, false)
})

test('rule 3: a join state that cannot use the directory leaves the device unmanaged', () => {
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 1 }, device: { join: 'ad' } }).mode, 'unmanaged')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { join: 'entra' } }).mode, 'unmanaged')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { join: 'none' } }).mode, 'unmanaged')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 1 }, device: { join: 'hybrid' } }).mode, 'entra')
})

test('rule 4: out-of-range and too-new values fall back to the default, with provenance', () => {
  const old = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 6 }, device: { osBuild: 19045 } })
  assert.equal(old.passwordComplexity, 4)
  const prov = old.provenance('password_complexity')
  assert.equal(prov.kind, 'fell_back')
  assert.equal(prov.raw, 6)
  assert.equal(prov.root, 'gpo')
  assert.match(prov.reason, /26100/)
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 6 } }).passwordComplexity, 6)

  const actions = resolvePolicy({ gpo: { BackupDirectory: 2, PostAuthenticationActions: 11 }, device: { osBuild: 22631 } })
  assert.equal(actions.postAuthenticationActions, 3)
  const tooLong = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordLength: 65 } })
  assert.equal(tooLong.passwordLength, 14)
  assert.ok(tooLong.diagnostics.some((d) => d.code === 'invalid_value' && d.setting === 'PasswordLength'))
  const wrongType = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordLength: '20' } })
  assert.equal(wrongType.passwordLength, 14)
})

test('rule 4b: Entra raises PasswordAgeDays below 7 to 7 (event 10058)', () => {
  const p = resolvePolicy({ csp: { BackupDirectory: 1, PasswordAgeDays: 1 }, device: { join: 'entra' } })
  assert.equal(p.passwordAgeDays, 7)
  assert.equal(p.provenance('PasswordAgeDays').kind, 'raised_to_entra_minimum')
  assert.ok(p.diagnostics.some((d) => d.eventId === 10058))
})

test('rule 4c: encryption below DFL 2016 means no backup', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, ADPasswordEncryptionEnabled: 1 }, device: { join: 'ad', dfl2016: false } })
  assert.ok(p.blocker)
  assert.ok(p.diagnostics.some((d) => d.eventId === 10006))
})

test('dependencies: PasswordLength only for 1-5, PassphraseLength only for 6-8', () => {
  const words = resolvePolicy(parseRegistryPol(data('gpo-entra-passphrase.pol')))
  assert.equal(words.mode, 'entra')
  assert.equal(words.passwordComplexity, 6)
  assert.equal(words.provenance('PasswordLength').applicable, false)
  assert.equal(words.provenance('PassphraseLength').applicable, true)
  assert.deepEqual(words.passwordOptions, { complexity: 6, length: 14, words: words.passphraseLength })
  const chars = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 4, PassphraseLength: 8 } })
  assert.equal(chars.provenance('PassphraseLength').applicable, false)
})

test('AD with encryption from a real Registry.pol', () => {
  const parsed = parseRegistryPol(data('gpo-ad-encrypted.pol'))
  assert.deepEqual(parsed.ignoredKeys, [])
  const p = resolvePolicy({ ...parsed, device: { join: 'ad' } })
  assert.equal(p.source, 'gpo')
  assert.equal(p.mode, 'ad')
  assert.equal(p.passwordLength, 20)
  assert.equal(p.administratorAccountName, 'LapsAdmin')
  assert.equal(p.adPasswordEncryptionEnabled, true)
  assert.equal(p.encrypts, true)
  assert.equal(typeof p.encryptionTarget, 'string')
})

test('a GPO whose policies were all disabled (**del.) falls through', () => {
  const parsed = parseRegistryPol(data('gpo-disabled-policies.pol'))
  assert.deepEqual(parsed.gpo, {})
  assert.equal(resolvePolicy(parsed).source, 'none')
})

test('domain controllers: DSRM mode, no post-authentication actions', () => {
  const p = resolvePolicy({ ...parseRegistryPol(data('gpo-dsrm.pol')), device: { domainController: true } })
  assert.equal(p.mode, 'ad_dsrm')
  const t = postAuthenticationTimeline(p, new Date('2026-01-01T00:00:00Z'))
  assert.equal(t.deadline, undefined)
  assert.equal(t.off, 'dsrm_mode')
})

test('legacy emulation: only when the three Windows LAPS roots are empty, never on a DC', () => {
  const legacy = parseRegistryPol(data('legacy-admpwd.pol'))
  const p = resolvePolicy({ ...legacy, device: { join: 'ad' } })
  assert.equal(p.source, 'legacy')
  assert.equal(p.mode, 'legacy_emulation')
  assert.equal(p.administratorAccountName, 'LegacyAdmin')
  const withCse = resolvePolicy({ ...legacy, device: { join: 'ad', legacyCseInstalled: true, osBuild: 22621 } })
  assert.notEqual(withCse.mode, 'legacy_emulation')
  assert.ok(withCse.diagnostics.some((d) => d.eventId === 10033))
  // From Windows 11 23H2 the legacy MSI cannot be installed: the fact is ignored.
  const blocked = resolvePolicy({ ...legacy, device: { join: 'ad', legacyCseInstalled: true, osBuild: 22631 } })
  assert.equal(blocked.mode, 'legacy_emulation')
  assert.ok(blocked.diagnostics.some((d) => d.code === 'legacy_cse_not_installable'))
  assert.notEqual(resolvePolicy({ ...legacy, device: { domainController: true } }).mode, 'legacy_emulation')
})

test('SyncML from the LAPS CSP documentation (Entra and hybrid/AD)', () => {
  const entra = parseSyncml(data('ms-csp-entra.syncml').toString('utf8'))
  assert.equal(entra.resetPasswordRequested, false)
  const pe = resolvePolicy({ ...entra, device: { join: 'entra' } })
  assert.equal(pe.source, 'csp')
  assert.equal(pe.mode, 'entra')
  assert.equal(pe.passwordLength, 32)

  const ad = resolvePolicy({ ...parseSyncml(data('ms-csp-hybrid-ad.syncml')), device: { join: 'hybrid' } })
  assert.equal(ad.mode, 'ad')
  assert.equal(ad.adPasswordEncryptionEnabled, true)
  assert.equal(ad.adEncryptedPasswordHistorySize, 6)
  assert.equal(ad.postAuthenticationActions, 5)
})

test('registry values of every type round-trip through a parser into resolvePolicy', () => {
  const p = resolvePolicy({
    gpo: {
      BackupDirectory: true, // a boolean is a DWORD 1... which is Entra
      AdministratorAccountName: 'Admin',
      Big: 2n ** 40n,
      List: ['a', 'b'],
      Bin: Buffer.from([1, 2]),
      Expand: { type: 2, data: Buffer.from('x\0\0\0', 'latin1') },
      Absent: undefined,
    },
  })
  assert.equal(p.backupDirectory, 1)
  assert.equal(p.administratorAccountName, 'Admin')
  assert.ok(p.diagnostics.some((d) => d.code === 'unknown_value_ignored'))
})

test('every registry type round-trips through the writers (Python: RawRegistryValue)', () => {
  const expand = { type: 2, data: Buffer.from('%SystemRoot%\\x\0', 'utf16le') }
  const values = {
    BackupDirectory: 2,
    AdministratorAccountName: expand,
    PasswordAgeDays: 5n,
    PasswordLength: { type: 0x1234, data: Buffer.from([1, 2]) },
    ADPasswordEncryptionPrincipal: ['a', 'b'],
    PasswordComplexity: Buffer.from([1]),
    ADEncryptedPasswordHistorySize: 2n ** 40n,
  }
  assert.deepEqual({ ...parseRegistryPol(writeRegistryPol(values)).gpo }, values)
  assert.deepEqual({ ...parseReg(writeReg(values, { root: 'gpo' })).gpo }, values)
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, AdministratorAccountName: expand } })
  assert.deepEqual(p.provenance('AdministratorAccountName').raw, expand)
})

test('explain() answers "why is my GPO ignored" and toJSON() is the JSON form', () => {
  const p = resolvePolicy({ csp: { PasswordAgeDays: 30 }, gpo: { BackupDirectory: 2 } })
  assert.match(p.explain(), /GPO root is ignored/)
  const json = JSON.parse(JSON.stringify(p))
  assert.equal(json.source, 'csp')
  assert.equal(json.mode, 'disabled')
  assert.equal(json.settings.password_age_days.value, 30)
  assert.deepEqual(Object.keys(p.toJSON()).slice(0, 3), ['headline', 'source', 'mode'], 'the Rust key order')
  assert.equal(p.value('PasswordAgeDays'), 30)
  assert.equal(p.value('password_age_days'), 30)
  assert.equal(p.value('AdministratorAccountName'), null)
  assert.throws(() => p.value('no_such_setting'), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => p.provenance('no_such_setting'), { code: 'LAPS_INVALID_ARG' })
})

test('rotation: expired, first run, and nothing to do', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, ADPasswordEncryptionEnabled: 0 }, device: { join: 'ad' } })
  const set = new Date('2026-01-01T00:00:00Z')
  const first = decideRotation(p, null, null, set)
  assert.equal(first.rotate, true)
  assert.ok(first.reasons.includes('expiration_missing'))
  assert.deepEqual(first.newExpiration, new Date(+set + 30 * DAY))

  const local = { policySource: 'gpo', lastPasswordUpdate: set, lastAccountRid: 500, dsrmMode: false }
  const directory = { passwordExpirationTime: new Date(+set + 30 * DAY) }
  const quiet = decideRotation(p, local, directory, new Date(+set + 10 * DAY))
  assert.equal(quiet.rotate, false)
  assert.deepEqual(quiet.reasons, [])
  assert.deepEqual(quiet.nextExpiration, new Date(+set + 30 * DAY))

  const late = decideRotation(p, local, directory, new Date(+set + 31 * DAY))
  assert.deepEqual(late.reasons, ['expired'])
  assert.deepEqual(late.newExpiration, new Date(+set + 61 * DAY))
  assert.equal(late.reasonMask & 1, 1)

  const reset = decideRotation(p, { ...local, resetRequested: true }, directory, new Date(+set + DAY))
  assert.deepEqual(reset.reasons, ['manual_reset'])
  assert.deepEqual(decideRotation(p, { ...local, policySource: 'csp' }, directory, new Date(+set + DAY)).reasons, ['policy_source_changed'])
})

test('rotation: Entra uses its local expiry only', () => {
  const p = resolvePolicy({ csp: { BackupDirectory: 1 }, device: { join: 'entra' } })
  const set = new Date('2026-01-01T00:00:00Z')
  const local = { policySource: 'csp', lastPasswordUpdate: set, lastAccountRid: 500, azurePasswordExpiry: new Date(+set + 30 * DAY) }
  const d = decideRotation(p, local, { passwordExpirationTime: new Date(+set - DAY) }, new Date(+set + DAY))
  assert.equal(d.rotate, false, 'the directory expiry is never read in Entra mode')
})

test('a safe mode or DSRM boot blocks Windows LAPS, even for an expired password', () => {
  const gpo = { BackupDirectory: 2, PasswordAgeDays: 10 }
  const p = resolvePolicy({ gpo, device: { safeMode: true } })
  assert.equal(p.mode, 'ad', 'the policy is unchanged, for the next normal boot')
  assert.equal(p.value('PasswordAgeDays'), 10)
  assert.equal(p.blocker, 'safe_mode_boot')
  assert.ok(p.diagnostics.some((d) => d.code === 'safe_mode_boot' && d.severity === 'error'))
  assert.match(p.explain(), /safe mode/)
  const d = decideRotation(p, null, null, new Date())
  assert.equal(d.rotate, false)
  assert.equal(d.blocked, 'safe_mode_boot')
  assert.equal(resolvePolicy({ gpo, device: { safeMode: false } }).blocker, null)
})

test('a device password policy predicts event 10027', () => {
  const passwordPolicy = { minimumLength: 14, complexityRequired: true }
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 1 }, device: { passwordPolicy } })
  assert.equal(p.blocker, 'password_policy_conflict')
  const d = p.diagnostics.find((x) => x.code === 'password_policy_conflict')
  assert.deepEqual([d.severity, d.eventId, d.setting], ['error', 10027, 'PasswordComplexity'])
  assert.equal(decideRotation(p, null, null, new Date()).rotate, false)
  const phrase = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordComplexity: 7 }, device: { passwordPolicy } })
  assert.equal(phrase.blocker, null, 'a passphrase with a hyphenated word can pass')
  assert.equal(phrase.diagnostics.find((x) => x.code === 'password_policy_conflict').severity, 'warning')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { passwordPolicy } }).blocker, null)
  assert.throws(() => resolvePolicy({ gpo: {}, device: { passwordPolicy: { minimumLength: 1.5 } } }), { code: 'LAPS_INVALID_ARG' })
})

test('rotation of a disabled policy is blocked', () => {
  const d = decideRotation(resolvePolicy({}), null, null, new Date())
  assert.equal(d.rotate, false)
  assert.equal(typeof d.blocked, 'string')
})

test('post-authentication: deadline after the grace period; 0 hours turns it off', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, PostAuthenticationResetDelay: 8, PostAuthenticationActions: 3 } })
  const logon = new Date('2026-01-01T00:00:00Z')
  const t = postAuthenticationTimeline(p, logon)
  assert.deepEqual(t.deadline, new Date(+logon + 8 * 3_600_000))
  assert.equal(t.actions, 3)
  assert.deepEqual(t.actionNames, ['reset password', 'sign out'])
  assert.ok(t.steps.length > 0)
  const off = postAuthenticationTimeline(resolvePolicy({ gpo: { BackupDirectory: 2, PostAuthenticationResetDelay: 0 } }), logon)
  assert.equal(off.deadline, undefined)
  assert.equal(off.off, 'grace_period_zero')
})

test('parser errors are LAPS_FORMAT with the byte offset or line', () => {
  assert.throws(() => parseRegistryPol(Buffer.from('PReg')), { code: 'LAPS_FORMAT', message: /byte 4/ })
  assert.throws(() => parseRegistryPol(Buffer.from('XXXX\x01\0\0\0')), { code: 'LAPS_FORMAT' })
  assert.throws(() => parseSyncml('<SyncML><SyncBody>'), { code: 'LAPS_FORMAT', message: /line/ })
  assert.throws(() => parseSyncml('<NotSyncML/>'), { code: 'LAPS_FORMAT' })
  assert.throws(() => parseReg('not a reg file'), { code: 'LAPS_FORMAT', message: /line/ })
})

test('policy argument errors are LAPS_INVALID_ARG', () => {
  const bad = { code: 'LAPS_INVALID_ARG' }
  assert.throws(() => resolvePolicy({ device: { join: 'moon' } }), bad)
  assert.throws(() => resolvePolicy({ device: { osBuild: -1 } }), bad)
  assert.throws(() => resolvePolicy({ gpo: 5 }), bad)
  assert.throws(() => resolvePolicy({ gpo: { A: -1 } }), bad)
  assert.throws(() => resolvePolicy({ gpo: { A: 2n ** 64n } }), bad)
  assert.throws(() => resolvePolicy({ gpo: { A: [1, 2] } }), bad)
  assert.throws(() => resolvePolicy('gpo'), bad)
  assert.throws(() => parseRegistryPol('PReg'), bad)
  assert.throws(() => parseSyncml(42), bad)
  assert.throws(() => decideRotation({}, null, null, new Date()), bad)
  assert.throws(() => decideRotation(resolvePolicy(), { policySource: 'moon' }), bad)
  assert.throws(() => postAuthenticationTimeline(resolvePolicy(), 'yesterday'), bad)
  assert.throws(() => resolvePolicy().rootVerdict('registry'), bad)
  // The core's serde forms decide: unknown fields are refused, as in Python.
  assert.throws(() => resolvePolicy({ device: { osBiuld: 19045 } }), { ...bad, message: /unknown field `osBiuld`, expected one of `join`, `domainController`, `osBuild`/ })
  assert.throws(() => decideRotation(resolvePolicy(), { lastUpdate: new Date() }), { ...bad, message: /unknown field/ })
  assert.throws(() => decideRotation(resolvePolicy(), { lastPasswordUpdate: 'yesterday' }), { ...bad, message: /^local\.lastPasswordUpdate must be a Date$/ })
  assert.throws(() => decideRotation(resolvePolicy(), { lastPasswordUpdate: new Date('1600-01-01') }), { ...bad, message: /before 1601/ })
  // A hostile argument: nested beyond any core form, or cyclic, is refused, not a stack overflow.
  let deep = {}
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  assert.throws(() => resolvePolicy({ device: deep }), { ...bad, message: /nested more than 32 levels/ })
  const cyclic = { join: 'ad' }
  cyclic.self = cyclic
  assert.throws(() => resolvePolicy({ device: cyclic }), { ...bad, message: /nested more than 32 levels/ })
})

test('device facts read as the core reads them: build text, aliases, null as absent', () => {
  const text = resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { osBuild: '17763.4244' } })
  const numbers = resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { osBuild: 17763, osUbr: 4244 } })
  assert.equal(text.explain(), numbers.explain())
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { join: 'domain' } }).mode, 'ad')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { join: null, dfl2016: undefined } }).mode, 'ad')
  assert.equal(resolvePolicy({ gpo: { BackupDirectory: 2, ADPasswordEncryptionEnabled: 1 }, device: { dfl2016: false } }).blocker, 'encryption_needs_dfl2016')
})

test('rotation results carry the next expiry and the notes; the timeline names its actions', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, PostAuthenticationActions: 11 } })
  const now = new Date('2026-01-01T00:00:00Z')
  const d = decideRotation(p, null, null, now)
  assert.deepEqual(Object.keys(d), ['rotate', 'reasons', 'newExpiration', 'nextExpiration', 'reasonMask', 'eventIds', 'notes'])
  assert.deepEqual(d.nextExpiration, d.newExpiration)
  assert.deepEqual(d.notes, [])
  const t = postAuthenticationTimeline(p, now)
  assert.equal(t.actions, 11)
  assert.deepEqual(t.actionNames, ['reset password', 'sign out', 'terminate processes'])
  assert.ok(t.steps.every((s) => s.at instanceof Date))
})

test('settingCatalog lists every setting with its rules', () => {
  const catalog = settingCatalog()
  assert.equal(catalog.length, 26)
  assert.equal(catalog.filter((s) => s.family === 'windows_laps').length, 18)
  const age = catalog.find((s) => s.name === 'PasswordAgeDays')
  assert.deepEqual([age.default, age.allowed, age.appliesTo], [{ number: 30 }, { range: { min: 1, max: 365 } }, 'both'])
  assert.deepEqual([age.snakeName, age.cspNode, age.minBuild], ['password_age_days', './Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays', 17763])
  const principal = catalog.find((s) => s.name === 'ADPasswordEncryptionPrincipal')
  assert.deepEqual([principal.default, principal.allowed, principal.appliesTo], ['domain_admins', 'principal', 'active_directory'])
  const p = resolvePolicy({ gpo: { BackupDirectory: 2 } })
  for (const s of catalog.filter((x) => x.family === 'windows_laps')) {
    assert.notEqual(p.value(s.name), undefined, s.name)
  }
})

test('writers produce files the parsers read back', () => {
  const values = { BackupDirectory: 2, passwordlength: 20, ADPasswordEncryptionPrincipal: 'CONTOSO\\LAPS Readers' }
  const pol = parseRegistryPol(writeRegistryPol(values))
  assert.equal(pol.gpo.PasswordLength, 20, 'written in the catalogue spelling')
  assert.equal(resolvePolicy(pol).passwordLength, 20)
  const syncml = parseSyncml(writeSyncml(values, { resetPassword: true }))
  assert.equal(syncml.resetPasswordRequested, true)
  assert.equal(resolvePolicy(syncml).source, 'csp')
  const reg = writeReg({ BackupDirectory: 0 })
  assert.match(reg, /\[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\LAPS\\Config\]/)
  assert.deepEqual(parseReg(reg).local, { BackupDirectory: 0 })
  const legacy = parseRegistryPol(writeRegistryPol({ AdmPwdEnabled: 1 }, { root: 'legacy' }))
  assert.equal(resolvePolicy({ ...legacy, device: { join: 'ad' } }).mode, 'legacy_emulation')
  assert.throws(() => writeRegistryPol({ PasswordAge: 30 }), { code: 'LAPS_POLICY', message: /not a setting of the GPO root/ })
  assert.throws(() => writeSyncml({ AdmPwdEnabled: 1 }), { code: 'LAPS_POLICY' })
  // The core's message, word for word the same in Python.
  const unknown = { code: 'LAPS_INVALID_ARG', message: 'unknown root "hklm" (expected csp, gpo, local or legacy)' }
  assert.throws(() => writeReg({ BackupDirectory: 0 }, { root: 'hklm' }), unknown)
  assert.throws(() => resolvePolicy().rootVerdict('hklm'), unknown)
  assert.throws(() => resolvePolicy().provenance('NoSuchSetting'), {
    code: 'LAPS_INVALID_ARG',
    message: 'unknown Windows LAPS setting "NoSuchSetting"', // as in Python
  })
  assert.throws(() => writeReg(null), { code: 'LAPS_INVALID_ARG' })
})

test('Entra backups fail when the tenant switch is off or the device disabled (10059)', () => {
  const csp = { BackupDirectory: 1 }
  const off = resolvePolicy({ csp, device: { join: 'entra', entraTenantLapsEnabled: false } })
  assert.deepEqual([off.mode, off.blocker], ['entra', 'entra_laps_not_enabled_in_tenant'])
  assert.ok(off.diagnostics.some((d) => d.eventId === 10059))
  const disabled = resolvePolicy({ csp, device: { join: 'entra', entraDeviceEnabled: false } })
  assert.equal(disabled.blocker, 'entra_device_disabled')
  assert.equal(resolvePolicy({ csp, device: { join: 'entra' } }).blocker, null)
})

test('SyncML commands carry the status the LAPS CSP returns', () => {
  const text = `<SyncML><SyncBody>
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/ADBackupDSRMPassword</LocURI></Target><Data>1</Data></Item></Replace>
<Delete><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies</LocURI></Target></Item></Delete>
<Add><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Data>-3</Data></Item></Add>
<Add><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>2</Data></Item></Add>
</SyncBody></SyncML>`
  const m = parseSyncml(text)
  assert.deepEqual(m.commands.map((c) => c.status), [404, 405, 400, 200])
  assert.equal(m.commands[1].verb, 'Delete')
  assert.deepEqual(m.csp, { BackupDirectory: 2 })
})

// The same input and expectations as laps-policy's `parsed` tests and the Python test
// test_parsed_policy_is_one_shape.
const SHAPE_SYNCML = `<SyncML><SyncBody>
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>1</Data></Item></Replace>
<Exec><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Actions/ResetPassword</LocURI></Target></Item></Exec>
<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Other</LocURI></Target><Data>1</Data></Item></Replace>
</SyncBody></SyncML>`

test('every parser returns the one ParsedPolicy shape', () => {
  const m = parseSyncml(SHAPE_SYNCML)
  assert.deepEqual([m.csp, m.gpo, m.local, m.legacy, m.state], [{ BackupDirectory: 1 }, {}, {}, {}, {}])
  assert.deepEqual(m.ignoredKeys, ['./Device/Vendor/MSFT/Policy/Config/Other'])
  assert.equal(m.resetPasswordRequested, true)
  assert.deepEqual(m.commands.map((c) => c.status ?? null), [200, 200, null])
  assert.deepEqual(
    m.operations.map((o) => [o.op, o.key, o.name, o.value]),
    [['set', 'Software\\Microsoft\\Policies\\LAPS', 'BackupDirectory', 1]],
  )
  const reg = parseReg(data('csp-leftover.reg'))
  const pol = parseRegistryPol(writeRegistryPol(reg.gpo))
  for (const parsed of [reg, pol]) {
    assert.equal(parsed.resetPasswordRequested, false)
    assert.deepEqual(parsed.commands, [])
    assert.deepEqual(parsed.gpo, { BackupDirectory: 2, PasswordLength: 24 })
  }
  assert.deepEqual(reg.operations.map((o) => o.op), ['set', 'set', 'set'])
  assert.deepEqual(reg.ignoredKeys, [])
})

test('the device build takes the update revision', () => {
  const old = resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { osBuild: 17763, osUbr: 100 } })
  assert.equal(old.blocker, 'os_too_old')
  const patched = resolvePolicy({ gpo: { BackupDirectory: 2 }, device: { osBuild: 17763, osUbr: 4244 } })
  assert.equal(patched.mode, 'ad')
  assert.throws(() => resolvePolicy({ device: { osUbr: -1 } }))
})

test('rotation: the local state after a rotation, and read back from LAPS\\State', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, ADPasswordEncryptionEnabled: 0 }, device: { join: 'ad' } })
  const set = new Date('2026-01-01T00:00:00Z')
  const local = localStateAfterRotation(p, set, '5f0c2a63-3c0d-4d7e-9b52-8d0a4a1e2f10')
  assert.equal(local.policySource, 'gpo')
  assert.deepEqual(local.lastPasswordUpdate, set)
  assert.equal(local.lastPasswordVersion, '5f0c2a63-3c0d-4d7e-9b52-8d0a4a1e2f10')
  assert.equal(local.resetRequested, false)
  const directory = { passwordExpirationTime: new Date(+set + 30 * DAY) }
  assert.equal(decideRotation(p, local, directory, new Date(+set + 10 * DAY)).rotate, false)
  assert.deepEqual(decideRotation(p, local, directory, new Date(+set + 31 * DAY)).reasons, ['expired'])

  const ticks = 133_800_000_000_000_000n
  const read = localStateFromRegistry({ PolicySource: 2, LastPasswordUpdateTime: ticks, LastAccountRidUpdated: 500, DSRMMode: 0 })
  assert.equal(read.policySource, 'gpo')
  assert.deepEqual(read.lastPasswordUpdate, new Date(Number((ticks - 116444736000000000n) / 10000n)))
  assert.equal(read.lastAccountRid, 500)
  assert.equal(read.dsrmMode, false)
  const fresh = decideRotation(p, read, { passwordExpirationTime: new Date(+read.lastPasswordUpdate + 30 * DAY) }, new Date(+read.lastPasswordUpdate + 1000))
  assert.equal(fresh.rotate, false, fresh.reasons.join())
  assert.deepEqual(localStateFromRegistry({}), { resetRequested: false })
  assert.throws(() => localStateFromRegistry({ PolicySource: 1.5 }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => decideRotation(p, { policySource: 'intune' }, null, set), { code: 'LAPS_INVALID_ARG' })
})

test('ResetPasswordStatus: numbers and the CSP text, E_PENDING in both spellings', () => {
  const cases = [
    [0, ['succeeded', 0]],
    ['0', ['succeeded', 0]],
    [0x8000000a, ['pending', 0x8000000a]],
    ['-2147483638', ['pending', 0x8000000a]],
    ['0x8000000', ['pending', 0x8000000a]],
    ['0x80070005', ['failed', 0x80070005]],
    [-2147024891, ['failed', 0x80070005]],
  ]
  for (const [value, [status, hresult]] of cases) {
    assert.deepEqual(resetPasswordStatus(value), { status, hresult }, String(value))
  }
  assert.throws(() => resetPasswordStatus('soon'), { code: 'LAPS_FORMAT' })
  assert.throws(() => resetPasswordStatus(2 ** 32), { code: 'LAPS_INVALID_ARG' })
  // Beyond 64 bits: the core's range error, naming the number as JS prints it.
  assert.throws(() => resetPasswordStatus(2 ** 64), { code: 'LAPS_INVALID_ARG', message: new RegExp(`got ${2 ** 64}$`) })
  assert.throws(() => resetPasswordStatus(2n ** 200n), { code: 'LAPS_INVALID_ARG', message: new RegExp(`got ${2n ** 200n}$`) })
  assert.deepEqual(resetPasswordStatus(-2147483638n), { status: 'pending', hresult: 0x8000000a })
  // A fraction is no HRESULT, as Python's reset_password_status('1.5') says.
  assert.throws(() => resetPasswordStatus(1.5), { code: 'LAPS_FORMAT' })
})

test('resolvePolicy takes parsed files for a root, one or several in precedence order, deletions included', () => {
  const a = parseRegistryPol(writeRegistryPol({ BackupDirectory: 2, PasswordLength: 20, PasswordComplexity: 3 }))
  const b = parseRegistryPol(writeRegistryPol({ PasswordLength: 24 }))
  const both = resolvePolicy({ gpo: [a, b], device: { join: 'ad' } })
  assert.deepEqual([both.mode, both.passwordLength, both.passwordComplexity], ['ad', 24, 3])
  assert.equal(resolvePolicy({ gpo: a, device: { join: 'ad' } }).passwordLength, 20)
  // A deletion in a later file removes what an earlier one set (a spread of the roots cannot).
  const del = parseReg('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\LAPS]\r\n"PasswordLength"=-\r\n')
  assert.equal(resolvePolicy({ gpo: [a, del], device: { join: 'ad' } }).passwordLength, 14)
  // The same answer as Python's resolve_policy(gpo=[a, b]) (the parity of the core's rule).
  assert.deepEqual(Object.keys(a).includes('__winlapsParsed'), false)
  assert.equal(JSON.stringify(a).includes('winlapsParsed'), false)
  assert.throws(() => resolvePolicy({ gpo: [a, { BackupDirectory: 2 }] }), {
    code: 'LAPS_INVALID_ARG',
    message: /gpo\[1\] must be a ParsedPolicy/,
  })
})

test('EffectivePolicy has the device it was resolved for and every setting, as Python has', () => {
  const p = resolvePolicy({ gpo: { BackupDirectory: 2, PasswordLength: 20 }, device: { join: 'ad', osBuild: 22631 } })
  assert.equal(p.device.join, 'ad')
  assert.equal(p.device.osBuild, 22631)
  assert.equal(p.device.dfl2016, true) // the core's default for a fact not given
  assert.equal(p.settings.length, 18)
  assert.deepEqual(p.settings.map((s) => s.name).slice(0, 2), ['BackupDirectory', 'AdministratorAccountName'])
  assert.deepEqual(p.settings.find((s) => s.name === 'PasswordLength'), p.provenance('PasswordLength'))
})
