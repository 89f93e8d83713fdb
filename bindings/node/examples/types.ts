// Type checks of index.d.ts that must fail: each `@ts-expect-error` line is an error tsc has to
// report (tsc fails on an unused `@ts-expect-error`). Type-checked by `npx tsc --noEmit`, never run.
import { encryptAttribute, encryptBlob } from 'winlaps'

const sid = 'S-1-5-21-1-2-3-512'
const rootKey = { rootKeyId: '00000000-0000-0000-0000-000000000000', rootKeyData: new Uint8Array(64) }

export function refusedShapes(): void {
  // @ts-expect-error: encryptAttribute needs account and password, or plaintext
  encryptAttribute({ sid, rootKey, domain: 'contoso.com' })
  // @ts-expect-error: a password without the account
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', password: 'x' })
  // @ts-expect-error: encryptBlob always takes plaintext
  encryptBlob({ sid, rootKey, domain: 'contoso.com' })
}

export function acceptedShapes(): void {
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', account: 'Administrator', password: 'x' })
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', plaintext: new Uint8Array(2) })
}
