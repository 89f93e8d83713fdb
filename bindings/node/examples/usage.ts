// A TypeScript tour of the winlaps API. `tsc --noEmit` checks it in CI, so the
// declarations in index.d.ts stay true to how the package is meant to be used.
import {
  entropy,
  entropyBits,
  generatePassword,
  generatePasswords,
  type EntropyBits,
  type ErrorCode,
  type PasswordOptions,
} from 'winlaps'

// --- generation ---------------------------------------------------------------
const opts: PasswordOptions = { complexity: 5, length: 20 }
const one: string = generatePassword(opts)
const many: string[] = generatePasswords(1000, { complexity: 6, words: 5 })
const reproducible: string = generatePassword({ seed: new Uint8Array(32) })
const bits: number = entropyBits({ complexity: 4, length: 14 })
const both: EntropyBits = entropy()
console.log(one.length, many.length, reproducible.length, bits.toFixed(2), both.naive - both.exact)

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
