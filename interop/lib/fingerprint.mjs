// fingerprint.mjs reduces what a server answered to a value that two
// correct servers give alike: identifiers that are random or
// server-specific (DIDs, CIDs, TIDs, datetimes, JWTs, handles, tokens,
// URLs of the server itself) become markers of their kind; numbers become
// <int> unless the key names a value the scenario fixed (sizes, limits);
// human messages are dropped (only their presence is kept); object keys
// are sorted; arrays keep their length.

import { load } from './modules.mjs'

const didDocTools = await load('@atproto/common')

const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const HANDLE = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
const APP_PASSWORD = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/
// Invite codes: the service host, then two random groups.
const INVITE_CODE = /^[a-z0-9.-]+-[a-z2-7]{5}-[a-z2-7]{5}$/
const EMAIL_TOKEN = /^[A-Z2-7]{5}-[A-Z2-7]{5}$/
// collection/rkey, as in firehose op paths.
const RECORD_PATH = /^([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+\.[a-zA-Z][a-zA-Z0-9]*)\/([A-Za-z0-9._~:-]{1,512})$/
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]+$/i
// Strings the servers and scenarios share verbatim: enum values, NSIDs,
// MIME types, service ids, texts the scenario wrote.
const LITERAL = /^[#$@A-Za-z][A-Za-z0-9 _.#:/+,'!?-]{0,79}$/

// Numbers under these keys were fixed by the scenario or the shared
// configuration (the same on both servers) and are compared as values.
const NUMERIC_KEYS = new Set(['status', 'size', 'version', 'blobUploadLimit', 'available', 'useCount', 'count', 'op', 'limit'])
// Values under these keys are random or server-generated text.
const OPAQUE_KEYS = new Set(['code', 'sig', 'token', 'password', 'publicKeyMultibase', 'cursor', 'jti', 'seq'])
// DID documents under these keys are compared by what a client reads
// from them (spec/did: the handle, the #atproto key, the #atproto_pds
// endpoint), not by their JSON form: the same document may name its keys
// relatively or absolutely, as Multikey or in the legacy key format.
const DID_DOC_KEYS = new Set(['didDoc'])
// Human-readable text: only its presence is compared.
const MESSAGE_KEYS = new Set(['message'])

/**
 * classify returns the marker for a string, or the string itself when it
 * is literal text. ctx.urls maps a server's own base URLs to a marker.
 */
export function classify(s, ctx = {}) {
  // Markers stay as they are: shaping is idempotent.
  if (/^<[^<>]+>$/.test(s)) return s
  for (const [url, marker] of ctx.urls ?? []) {
    if (s === url) return marker
    if (s.startsWith(url + '/')) return marker + s.slice(url.length)
  }
  if (/^did:plc:[a-z2-7]{24}$/.test(s)) return '<did:plc>'
  if (/^did:web:/.test(s)) return s === 'did:web:localhost' ? s : '<did:web>'
  if (/^did:key:z[1-9A-HJ-NP-Za-km-z]+$/.test(s)) return '<did:key>'
  const frag = /^(did:[a-z]+:[a-zA-Z0-9._:%-]+)(#.+)$/.exec(s)
  if (frag) return classify(frag[1], ctx) + frag[2]
  if (s.startsWith('at://')) return classifyAtUri(s, ctx)
  if (/^bafyrei[a-z2-7]{52}$/.test(s)) return '<cid:dag-cbor>'
  if (/^bafkrei[a-z2-7]{52}$/.test(s)) return '<cid:raw>'
  if (/^b[a-z2-7]{40,}$/.test(s)) return '<cid>'
  if (TID.test(s)) return '<tid>'
  if (DATETIME.test(s)) return '<datetime>'
  if (JWT.test(s)) return '<jwt>'
  if (APP_PASSWORD.test(s)) return '<app-password>'
  if (EMAIL_TOKEN.test(s)) return '<email-token>'
  if (INVITE_CODE.test(s)) return '<invite-code>'
  if (EMAIL.test(s)) return '<email>'
  if (s === 'handle.invalid') return s
  if (HANDLE.test(s) && s.toLowerCase().endsWith('.test')) return s === s.toLowerCase() ? '<handle>' : '<Handle>'
  if (/^https?:\/\//.test(s)) return '<url>'
  const path = RECORD_PATH.exec(s)
  if (path) return `${path[1]}/${TID.test(path[2]) ? '<tid>' : path[2]}`
  if (LITERAL.test(s)) return s
  return '<string>'
}

function classifyAtUri(s, ctx) {
  const [authority, collection, rkey, ...rest] = s.slice('at://'.length).split('/')
  let out = 'at://' + classify(authority, ctx)
  if (collection !== undefined) out += '/' + collection
  if (rkey !== undefined) out += '/' + (TID.test(rkey) ? '<tid>' : rkey)
  if (rest.length) out += '/' + rest.join('/')
  return out
}

/**
 * didDocShape is the fingerprint of a DID document as clients read it
 * (@atproto/common-web's getters).
 */
export function didDocShape(doc, ctx = {}) {
  const valid = didDocTools.isValidDidDoc(doc)
  if (!valid) return { valid: false, raw: shape(doc, { ...ctx, rawDidDoc: true }) }
  return {
    valid,
    id: classify(didDocTools.getDid(doc), ctx),
    handle: shape(didDocTools.getHandle(doc) ?? null, ctx),
    signingKey: shape(didDocTools.getSigningDidKey(doc) ?? null, ctx),
    pds: shape(didDocTools.getPdsEndpoint(doc) ?? null, ctx),
  }
}

/** isCid tells whether v is a decoded CID object (multiformats). */
export function isCid(v) {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof v.code === 'number' &&
    typeof v.version === 'number' &&
    v.multihash !== undefined &&
    v.bytes instanceof Uint8Array
  )
}

/** shape returns the fingerprint of a JSON value found under key. */
export function shape(v, ctx = {}, key = '') {
  if (v === null) return null
  if (v === undefined) return '<undefined>'
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') {
    if (NUMERIC_KEYS.has(key)) return v
    return Number.isInteger(v) ? '<int>' : '<float>'
  }
  if (typeof v === 'bigint') return '<int>'
  if (typeof v === 'string') {
    if (MESSAGE_KEYS.has(key)) return '<message>'
    if (OPAQUE_KEYS.has(key)) return '<opaque>'
    return classify(v, ctx)
  }
  if (v instanceof Uint8Array) return `<bytes>`
  if (DID_DOC_KEYS.has(key) && !ctx.rawDidDoc && typeof v === 'object' && !Array.isArray(v)) {
    return didDocShape(v, ctx)
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => shape(x, ctx, key))
    // Long uniform arrays read as "n × item".
    if (items.length > 4) {
      const first = JSON.stringify(items[0])
      if (items.every((x) => JSON.stringify(x) === first)) return { '<array>': items.length, of: items[0] }
    }
    return items
  }
  if (typeof v === 'object') {
    if (isCid(v)) return classify(v.toString(), ctx)
    const out = {}
    for (const k of Object.keys(v).sort()) out[k] = shape(v[k], ctx, k)
    return out
  }
  return `<${typeof v}>`
}

/**
 * diffShapes lists the paths where fingerprints a and b differ, as
 * { path, a, b } with JSON text of each side.
 */
export function diffShapes(a, b, path = '') {
  if (JSON.stringify(a) === JSON.stringify(b)) return []
  const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x)
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    return keys.flatMap((k) =>
      k in a && k in b
        ? diffShapes(a[k], b[k], `${path}.${k}`)
        : [{ path: `${path}.${k}`, a: k in a ? text(a[k]) : '(absent)', b: k in b ? text(b[k]) : '(absent)' }],
    )
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((x, i) => diffShapes(x, b[i], `${path}[${i}]`))
  }
  return [{ path: path || '.', a: text(a), b: text(b) }]
}

function text(v) {
  const s = JSON.stringify(v)
  return s === undefined ? '(absent)' : s.length > 300 ? s.slice(0, 297) + '...' : s
}
