// Type checks of index.d.ts that must fail: each `@ts-expect-error` line is an error tsc has to
// report (tsc fails on an unused `@ts-expect-error`). Type-checked by `npx tsc --noEmit`, never run.
import { encryptAttribute, encryptBlob, makeGroupKeyEnvelope, resetPasswordStatus } from 'winlaps'

const sid = 'S-1-5-21-1-2-3-512'
const rootKey = { rootKeyId: '00000000-0000-0000-0000-000000000000', rootKeyData: new Uint8Array(64) }

export function refusedShapes(): void {
  // @ts-expect-error: encryptAttribute needs account and password, or plaintext
  encryptAttribute({ sid, rootKey, domain: 'contoso.com' })
  // @ts-expect-error: a password without the account
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', password: 'x' })
  // @ts-expect-error: encryptBlob always takes plaintext
  encryptBlob({ sid, rootKey, domain: 'contoso.com' })
  // @ts-expect-error: a DC derives envelopes from a root key, and needs the domain name
  makeGroupKeyEnvelope({ sid, rootKey })
  // @ts-expect-error: an HRESULT is a number or the CSP's text
  resetPasswordStatus(true)
}

export function acceptedShapes(): void {
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', account: 'Administrator', password: 'x' })
  encryptAttribute({ sid, rootKey, domain: 'contoso.com', plaintext: new Uint8Array(2) })
  makeGroupKeyEnvelope({ sid, rootKey, domain: 'contoso.com', publicKey: false })
  const status: 'succeeded' | 'pending' | 'failed' = resetPasswordStatus('0x8000000A').status
  void status
}
