// Generation properties through the addon: alphabets, classes, lengths, passphrase
// words, reproducible seeds, batch size and the entropy figures of the spec.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  checkLocalPasswordPolicy,
  entropy,
  entropyBits,
  generatePassword,
  generatePasswords,
  generatePasswordsBuffer,
  isValidPassword,
  splitPassphrase as coreSplitPassphrase,
} from 'winlaps'

// The Windows LAPS classes (the PasswordComplexity table of the LAPS CSP reference), written
// out independently of laps-core.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const DIGITS = '0123456789'
const SPECIAL = ',.-+;!#&@{}[]$/()%'
const CLASSES = {
  1: [UPPER],
  2: [UPPER, LOWER],
  3: [UPPER, LOWER, DIGITS],
  4: [UPPER, LOWER, DIGITS, SPECIAL],
  5: ['ABCDEFGHJKLMNPRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#%+@:=?*'],
}
const WORDLISTS = { 6: 'eff_large_wordlist', 7: 'eff_short_wordlist_1', 8: 'eff_short_wordlist_2_0' }

function words(complexity) {
  const url = new URL(`../../../laps-wordlist/data/${WORDLISTS[complexity]}.words.txt`, import.meta.url)
  return new Set(readFileSync(fileURLToPath(url), 'utf8').split('\n').filter(Boolean))
}

/** Splits a passphrase at its capital letters (each word starts with one). */
function splitPassphrase(p) {
  return p.match(/[A-Z][^A-Z]*/g).map((w) => w.toLowerCase())
}

test('default is complexity 4, 14 characters, every class present', () => {
  for (const p of generatePasswords(200)) {
    assert.equal(p.length, 14)
    for (const cls of CLASSES[4]) assert.ok([...p].some((c) => cls.includes(c)), `${cls} missing`)
    assert.ok([...p].every((c) => CLASSES[4].join('').includes(c)))
  }
})

for (const complexity of [1, 2, 3, 4, 5]) {
  test(`complexity ${complexity}: only its alphabet, every class, the asked length`, () => {
    const alphabet = CLASSES[complexity].join('')
    for (const length of [8, 20, 64]) {
      for (const p of generatePasswords(100, { complexity, length })) {
        assert.equal(p.length, length)
        assert.ok([...p].every((c) => alphabet.includes(c)), p)
        for (const cls of CLASSES[complexity]) assert.ok([...p].some((c) => cls.includes(c)))
      }
    }
  })
}

for (const complexity of [6, 7, 8]) {
  test(`complexity ${complexity}: capitalised words from its EFF list, no separator`, () => {
    const list = words(complexity)
    for (const count of [3, 6, 10]) {
      for (const p of generatePasswords(50, { complexity, words: count })) {
        const ws = splitPassphrase(p)
        assert.equal(ws.length, count, p)
        for (const w of ws) assert.ok(list.has(w), `${w} not in the list`)
      }
    }
  })
}

test('the length that does not apply is ignored, but still validated', () => {
  assert.equal(splitPassphrase(generatePassword({ complexity: 6, length: 64, words: 4 })).length, 4)
  assert.equal(generatePassword({ complexity: 4, length: 9, words: 10 }).length, 9)
  assert.throws(() => generatePassword({ complexity: 6, length: 7 }), { code: 'LAPS_INVALID_ARG' })
})

test('a seed makes the output reproducible, different seeds differ', () => {
  const seed = new Uint8Array(32).fill(7)
  assert.deepEqual(generatePasswords(5, { seed }), generatePasswords(5, { seed }))
  assert.equal(generatePassword({ seed: Buffer.alloc(32, 7) }), generatePasswords(1, { seed })[0])
  assert.notDeepEqual(generatePasswords(5, { seed }), generatePasswords(5, { seed: new Uint8Array(32) }))
})

test('unseeded output does not repeat', () => {
  const batch = generatePasswords(10_000)
  assert.equal(batch.length, 10_000)
  assert.equal(new Set(batch).size, batch.length)
  assert.notEqual(generatePassword(), generatePassword())
})

test('generatePasswords(0) is an empty array', () => {
  assert.deepEqual(generatePasswords(0), [])
})

test('generatePasswordsBuffer: the same passwords, newline-separated ASCII, wipeable', () => {
  const seed = new Uint8Array(32).fill(3)
  for (const opts of [{ seed }, { seed, complexity: 7, words: 4 }, { seed, complexity: 5, length: 8 }]) {
    const buf = generatePasswordsBuffer(70_000, opts) // more than one internal chunk of anything
    assert.ok(Buffer.isBuffer(buf))
    assert.deepEqual(buf.toString('latin1').split('\n'), generatePasswords(70_000, opts))
    assert.ok(buf.every((b) => b < 0x80))
    buf.fill(0)
    assert.ok(buf.every((b) => b === 0))
  }
  // Large batches are generated on a helper thread in chunks, in stream order: the
  // prefix of a big seeded batch is the small (single-threaded) batch.
  const big = generatePasswords(50_000, { seed })
  assert.deepEqual(big.slice(0, 100), generatePasswords(100, { seed }))
  assert.deepEqual(big.slice(0, 16_384), generatePasswords(16_384, { seed }))
  assert.equal(new Set(big).size, big.length)
  assert.equal(generatePasswordsBuffer(0).length, 0)
  assert.equal(generatePasswordsBuffer(1).length, 14)
  assert.throws(() => generatePasswordsBuffer(-1), { code: 'LAPS_INVALID_ARG' })
})

test('every character of the alphabet shows up (no missing symbol)', () => {
  const seen = new Set(generatePasswords(2000, { complexity: 4, length: 64 }).join(''))
  assert.equal(seen.size, CLASSES[4].join('').length)
})

test('entropy figures match the spec table', () => {
  const r2 = (x) => Math.round(x * 100) / 100
  assert.equal(r2(entropyBits()), 88.21)
  assert.deepEqual({ naive: r2(entropy().naive), exact: r2(entropy().exact) }, { naive: 88.51, exact: 88.21 })
  assert.equal(r2(entropyBits({ complexity: 5, length: 14 })), 83.56)
  assert.equal(r2(entropyBits({ complexity: 1 })), 65.81)
  assert.equal(r2(entropyBits({ complexity: 6 })), 77.55)
  assert.equal(r2(entropyBits({ complexity: 7, words: 10 })), 103.4)
  assert.equal(r2(entropyBits({ complexity: 8, words: 3 })), 31.02)
})

test('checkLocalPasswordPolicy predicts event 10027 exactly', () => {
  const strict = { minimumLength: 14, complexityRequired: true }
  assert.deepEqual(checkLocalPasswordPolicy(null, strict), { acceptance: 1, problems: [] })
  const letters = checkLocalPasswordPolicy({ complexity: 2 }, strict)
  assert.equal(letters.acceptance, 0)
  assert.deepEqual(letters.problems.map((p) => [p.rule, p.guaranteed, p.rejected]), [['too_few_categories', 2, 1]])
  const phrase = checkLocalPasswordPolicy({ complexity: 6, words: 6 }, { complexityRequired: true })
  assert.ok(Math.abs(phrase.acceptance - (1 - (1 - 4 / 7776) ** 6)) < 1e-12)
  assert.match(phrase.problems[0].message, /3 of the 5/)
  const short = checkLocalPasswordPolicy({ length: 12 }, { minimumLength: 14 })
  assert.deepEqual([short.problems[0].rule, short.problems[0].shortest, short.problems[0].minimum], ['too_short', 12, 14])
  // No policy is the core's default (no minimum, no complexity rule), as in Python.
  assert.deepEqual(checkLocalPasswordPolicy(null, null), { acceptance: 1, problems: [] })
  assert.deepEqual(checkLocalPasswordPolicy(), { acceptance: 1, problems: [] })
  assert.throws(() => checkLocalPasswordPolicy(null, { minimumLength: -1 }), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => checkLocalPasswordPolicy({ complexity: 9 }, strict), { code: 'LAPS_INVALID_ARG' })
})

test('isValidPassword and splitPassphrase', () => {
  for (let complexity = 1; complexity <= 5; complexity++) {
    for (let i = 0; i < 50; i++) {
      assert.ok(isValidPassword(complexity, generatePassword({ complexity })), `complexity ${complexity}`)
    }
  }
  assert.equal(isValidPassword(4, 'aB3aaaaa'), false, 'no special character')
  assert.equal(isValidPassword(5, 'aB3!aaaO'), false, "no 'O' in complexity 5")
  assert.equal(isValidPassword(6, 'Anything'), false)
  assert.throws(() => isValidPassword(0, 'x'), { code: 'LAPS_INVALID_ARG' })
  assert.throws(() => isValidPassword(4, 42), { code: 'LAPS_INVALID_ARG' })
  assert.deepEqual(coreSplitPassphrase('SkiingProduceT-shirt'), ['skiing', 'produce', 't-shirt'])
  for (const complexity of [6, 7, 8]) {
    const p = generatePassword({ complexity, words: 4 })
    assert.deepEqual(coreSplitPassphrase(p), splitPassphrase(p), 'the core agrees with this file\'s own split')
  }
  assert.throws(() => coreSplitPassphrase(null), { code: 'LAPS_INVALID_ARG' })
})

// Windows' "meets complexity requirements" for ASCII, written out here: 3 of upper, lower,
// digit, other.
const categories = (p) => [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(p)).length

test('a device password policy: rejected draws are drawn again, every result is accepted', () => {
  const policy = { minimumLength: 20, complexityRequired: true }
  const opts = { complexity: 6, words: 3 }
  const fit = checkLocalPasswordPolicy(opts, policy)
  assert.ok(fit.acceptance > 0 && fit.acceptance < 0.1, `${fit.acceptance}`)
  const batch = generatePasswords(300, opts, policy)
  assert.equal(batch.length, 300)
  for (const p of [...batch, generatePassword(opts, policy)]) {
    assert.ok(p.length >= 20 && categories(p) >= 3, p)
  }
  const buffer = generatePasswordsBuffer(50, opts, policy).toString('latin1').split('\n')
  assert.equal(buffer.length, 50)
  assert.ok(buffer.every((p) => p.length >= 20 && categories(p) >= 3))
  // A batch spanning several chunks of the two-thread path.
  assert.ok(generatePasswords(40000, opts, policy).every((p) => categories(p) >= 3))
  const e = entropy(opts, policy)
  assert.ok(Math.abs(e.exact - (entropy(opts).exact + Math.log2(fit.acceptance))) < 1e-9)
})

test('a device password policy that accepts every password changes nothing', () => {
  const seed = new Uint8Array(32).fill(3)
  const policy = { minimumLength: 14, complexityRequired: true }
  assert.deepEqual(generatePasswords(20, { seed }, policy), generatePasswords(20, { seed }))
  assert.equal(generatePassword({ seed }, policy), generatePassword({ seed }))
  assert.deepEqual(entropy(null, policy), entropy())
})

test('a device password policy no password satisfies is LAPS_POLICY naming event 10027', () => {
  const policy = { complexityRequired: true }
  for (const call of [
    () => generatePassword({ complexity: 2 }, policy),
    () => generatePasswords(3, { complexity: 1 }, policy),
    () => generatePasswords(40000, { complexity: 1 }, policy),
    () => generatePasswordsBuffer(3, { complexity: 2 }, policy),
    () => generatePasswords(0, { complexity: 2 }, policy),
  ]) {
    assert.throws(call, (e) => e.code === 'LAPS_POLICY' && /event 10027/.test(e.message))
  }
  assert.throws(() => generatePassword(null, { minimumLenght: 3 }), { code: 'LAPS_INVALID_ARG' })
})
