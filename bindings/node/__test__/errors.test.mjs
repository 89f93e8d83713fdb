// Every failure is an Error with a stable LAPS_* code; arguments of the wrong JS
// type are reported with the same code as out-of-range ones.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { entropyBits, generatePassword, generatePasswords } from 'winlaps'

const invalid = (fn, message) => assert.throws(fn, (e) => {
  assert.ok(e instanceof Error)
  assert.equal(e.code, 'LAPS_INVALID_ARG')
  if (message) assert.match(e.message, message)
  return true
})

test('out-of-range generation settings are LAPS_INVALID_ARG', () => {
  invalid(() => generatePassword({ complexity: 0 }), /complexity 0/)
  invalid(() => generatePassword({ complexity: 9 }), /complexity 9/)
  invalid(() => generatePassword({ length: 7 }), /length 7/)
  invalid(() => generatePassword({ length: 65 }), /length 65/)
  invalid(() => generatePassword({ complexity: 6, words: 2 }), /2 words/)
  invalid(() => generatePassword({ complexity: 6, words: 11 }), /11 words/)
  invalid(() => entropyBits({ complexity: 42 }))
})

test('numbers must be whole and non-negative (no wrap-around to 2^32 - 1)', () => {
  invalid(() => generatePasswords(-1), /n must be an integer/)
  invalid(() => generatePasswords(1.5))
  invalid(() => generatePasswords(Number.NaN))
  invalid(() => generatePasswords(Infinity))
  invalid(() => generatePasswords(10_000_001))
  invalid(() => generatePassword({ complexity: -4 }))
  invalid(() => generatePassword({ length: 14.5 }))
})

test('wrong JS types are LAPS_INVALID_ARG too', () => {
  invalid(() => generatePassword(5), /opts must be an object/)
  invalid(() => generatePassword('x'))
  invalid(() => generatePassword({ complexity: '4' }), /complexity/)
  invalid(() => generatePassword({ seed: [1, 2, 3] }), /seed/)
  invalid(() => generatePassword({ seed: new Uint8Array(31) }), /32 bytes/)
  invalid(() => generatePasswords('3'))
})
