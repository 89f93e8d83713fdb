// The shared parity table (tests/parity/cases.json at the repository root): Rust
// (benches/tests/parity.rs), Python (tests/test_parity.py) and this file run the same cases,
// so the same inputs give the same results, defaults and error kinds everywhere. Arguments a
// case leaves out are left out of the call too: the binding's defaults must be the core's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { rootKeyInput } from './vectors.mjs'
import {
  ErrorCode,
  KeyStore,
  decryptMany,
  entropy,
  generatePassword,
  generatePasswords,
  isValidPassword,
  parseBlob,
  parseEncryptedAttribute,
  parseReg,
  parseRegistryPol,
  readComputer,
  resetPasswordStatus,
  resolvePolicy,
  writeReg,
  writeRegistryPol,
} from 'winlaps'

const table = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../tests/parity/cases.json', import.meta.url)), 'utf8'),
)

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
/** Plain data with its object keys snake-cased (the serde forms' spelling). */
const snake = (v) =>
  Array.isArray(v)
    ? v.map(snake)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(x)]))
      : v

/** The non-empty roots of a parsed policy, `{ roots: { root: { name: value } } }`. */
function nonEmptyRoots(parsed) {
  const roots = {}
  for (const root of ['csp', 'gpo', 'local', 'legacy']) {
    if (Object.keys(parsed[root]).length > 0) roots[root] = parsed[root]
  }
  return { roots }
}

/** A case's snake_case device as `DeviceOptions`. */
function deviceOptions(device) {
  return device && Object.fromEntries(Object.entries(device).map(([k, v]) => [camel(k), v]))
}

/** The fields of a resolved policy the `resolve` cases compare. */
function summary(p) {
  return {
    source: p.source,
    mode: p.mode,
    password_complexity: p.passwordComplexity,
    password_length: p.passwordLength,
    passphrase_length: p.passphraseLength,
    password_age_days: p.passwordAgeDays,
    backup_directory: p.backupDirectory,
  }
}

function specOptions(args) {
  const opts = {}
  for (const k of ['complexity', 'length', 'words']) if (k in args) opts[k] = args[k]
  return opts
}

// The device's own password policy of `minimum_length` / `complexity_required`.
function policyOptions(args) {
  return { minimumLength: args.minimum_length, complexityRequired: args.complexity_required }
}

const round2 = (x) => Math.round(x * 100) / 100

const ops = {
  generate(args) {
    const opts = { ...specOptions(args), seed: Buffer.from(args.seed, 'hex') }
    const n = args.n ?? 1
    const policy = policyOptions(args)
    return { passwords: n === 1 ? [generatePassword(opts, policy)] : generatePasswords(n, opts, policy) }
  },
  entropy(args) {
    const e = entropy(specOptions(args), policyOptions(args))
    return { naive: round2(e.naive), exact: round2(e.exact) }
  },
  parse_registry_pol(args) {
    return nonEmptyRoots(parseRegistryPol(Buffer.from(args.hex, 'hex')))
  },
  write(args) {
    const opts = args.root === undefined ? undefined : { root: args.root }
    return nonEmptyRoots(args.format === 'pol' ? parseRegistryPol(writeRegistryPol(args.values, opts)) : parseReg(writeReg(args.values, opts)))
  },
  resolve(args) {
    return summary(resolvePolicy({ ...args, device: deviceOptions(args.device) }))
  },
  resolve_files(args) {
    return summary(resolvePolicy({
      gpo: (args.pol ?? []).map((h) => parseRegistryPol(Buffer.from(h, 'hex'))),
      local: (args.reg ?? []).map((t) => parseReg(t)),
      device: deviceOptions(args.device),
    }))
  },
  parse_blob(args) {
    const info = parseBlob(Buffer.from(args.hex, 'hex'))
    return { root_key_id: info.key?.rootKeyId ?? null, target_sid: info.targetSid ?? null }
  },
  inspect(args) {
    const value = Buffer.from(args.hex, 'hex')
    const { updateTime, updateFiletime, ...form } = args.blob ? parseBlob(value) : parseEncryptedAttribute(value)
    assert.ok(args.blob ? updateTime === undefined : updateTime instanceof Date)
    assert.ok(args.blob ? updateFiletime === undefined : typeof updateFiletime === 'bigint')
    return snake(form)
  },
  provenance({ setting, ...roots }) {
    const form = snake(resolvePolicy(roots).provenance(setting))
    // Absent in JS is null in the table.
    const keys = ['name', 'snake_name', 'value', 'applicable', 'kind', 'root', 'raw', 'reason', 'description', 'shadowed']
    return Object.fromEntries(keys.map((k) => [k, form[k] ?? null]))
  },
  reset_password_status(args) {
    return resetPasswordStatus(args.value)
  },
  is_valid_password(args) {
    return { valid: isValidPassword(args.complexity, args.password) }
  },
  read_computer(args) {
    const keyStore = new KeyStore()
    if (args.root_key) keyStore.addRootKey(rootKeyInput(args.root_key))
    const attributes = Object.fromEntries([
      ...Object.entries(args.attributes ?? {}),
      ...Object.entries(args.hex_attributes ?? {}).map(([k, vs]) => [k, vs.map((v) => Buffer.from(v, 'hex'))]),
    ])
    const records = readComputer(args.dn, attributes, keyStore, { includeHistory: args.include_history })
    // Absent in JS is null in the table; times in whole Unix seconds.
    const keys = ['ComputerName', 'DistinguishedName', 'Account', 'Password', 'PasswordUpdateTime', 'ExpirationTimestamp', 'Source', 'DecryptionStatus', 'AuthorizedDecryptor', 'TargetSid', 'Detail']
    const plain = (v) => (v instanceof Date ? Math.floor(v.getTime() / 1000) : v ?? null)
    return { records: records.map((r) => Object.fromEntries(keys.map((k) => [k, plain(r[k])]))) }
  },
  async decrypt_live(args) {
    const keyStore = new KeyStore()
    if (args.root_key) keyStore.addRootKey(rootKeyInput(args.root_key))
    // Nothing listens on 127.0.0.1:1: a runner that connects fails the case.
    const options = { dc: '127.0.0.1', epmPort: 1, user: 'PARITY\\u', password: 'p', timeoutMs: 2000, keyStore }
    const [result] = await decryptMany([Buffer.from(args.hex, 'hex')], options)
    if (result instanceof Error) throw result
    return { account: result.account, password: result.password }
  },
}

for (const c of table.cases) {
  test(`parity: ${c.name}`, async () => {
    const op = ops[c.op]
    assert.ok(op, `unknown op ${c.op}`)
    if ('error' in c.expect) {
      const code = table.kinds[c.expect.error].node
      await assert.rejects(async () => op(c.args), (e) => e.code === code, `${c.name}: expected ${code}`)
    } else {
      assert.deepStrictEqual(await op(c.args), c.expect)
    }
  })
}

test('parity: every kind\'s code is a declared ErrorCode', () => {
  const declared = new Set(Object.values(ErrorCode))
  for (const [kind, names] of Object.entries(table.kinds)) {
    assert.ok(declared.has(names.node), `${kind}: ${names.node} is not in ErrorCode`)
  }
})
