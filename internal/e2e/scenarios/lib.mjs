// lib.mjs is what every scenario shares: the node under test (from the
// environment), the official client (@atproto/api, loaded from the
// node_modules folder named by BOLTSKY_E2E_NODE_MODULES), a step runner
// that prints one line per step and exits non-zero on the first failure,
// and helpers for XRPC errors, the mail outbox, JWTs, did:key and what a
// user or another PDS makes with its own keys: PLC operations, service
// tokens and repository CARs (DAG-CBOR and signatures over node:crypto).
//
// Environment (set by e2e_test.go, or by hand):
//   BOLTSKY_E2E_NODE_MODULES  node_modules folder holding @atproto/api (install.sh)
//   BOLTSKY_URL               the node's public URL, e.g. http://localhost:2583
//   BOLTSKY_DATA_DIR          the node's data directory (mail.jsonl is read from it)
//   BOLTSKY_PLC_URL           the PLC directory the node uses (did:plc nodes)
//   BOLTSKY_ADMIN_PASSWORD    the node's admin password
//   BOLTSKY_HANDLE_DOMAIN     the handle suffix users sign up under (default .test)
//   BOLTSKY_BLOB_UPLOAD_LIMIT the node's blob upload limit in bytes
import assert from 'node:assert/strict'
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'

function required(name) {
  const v = process.env[name]
  if (!v) {
    console.error(`scenario: ${name} is not set (see the top of scenarios/lib.mjs)`)
    process.exit(2)
  }
  return v
}

const modules = path.resolve(required('BOLTSKY_E2E_NODE_MODULES'))
const requireFromModules = createRequire(path.join(modules, 'scenario.cjs'))

/** The @atproto/api module, as apps import it. */
export const api = await import(pathToFileURL(requireFromModules.resolve('@atproto/api')).href)
export const { Agent, AtpAgent, CredentialSession, XRPCError, AtUri, BlobRef } = api

/** The node under test and its surroundings. */
export const env = {
  url: required('BOLTSKY_URL').replace(/\/+$/, ''),
  dataDir: required('BOLTSKY_DATA_DIR'),
  plcUrl: (process.env.BOLTSKY_PLC_URL || '').replace(/\/+$/, ''),
  adminPassword: process.env.BOLTSKY_ADMIN_PASSWORD || '',
  handleDomain: process.env.BOLTSKY_HANDLE_DOMAIN || '.test',
  blobUploadLimit: Number(process.env.BOLTSKY_BLOB_UPLOAD_LIMIT || 0),
}

// stepTimeoutMs bounds one step; the Go harness bounds the whole script.
const stepTimeoutMs = 60_000

class StepFailure extends Error {}

/**
 * scenario runs fn(s), where s.step(title, body, opts) runs one step.
 * Steps run in order and the first failure ends the scenario: later steps
 * build on earlier ones. Two marks, each with a reason naming the server
 * behaviour that is missing, are for steps the server does not pass yet:
 *
 *   - knownFailure: "reason" runs the step and reports its failure as
 *     known, without failing the scenario; the step must be independent
 *     of the ones after it. The mark is strict: when the step passes, the
 *     scenario fails and asks for the mark to go.
 *   - skip: "reason" does not run the step at all (for a step that would
 *     hang the server or leave state later steps cannot build on).
 *
 * Prints a summary and sets the exit code: 0 when every step that ran
 * passed or failed as known, 1 otherwise.
 */
export async function scenario(name, fn) {
  const started = Date.now()
  let passed = 0
  const notRun = []
  const s = {
    async step(title, body, opts = {}) {
      if (opts.skip) {
        notRun.push(title)
        console.log(`SKIP  ${title}: ${opts.skip}`)
        return undefined
      }
      const t0 = Date.now()
      let timer
      try {
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`step timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs)
        })
        const value = await Promise.race([body(), timeout])
        if (opts.knownFailure) {
          console.log(
            `FAIL  ${title} (${Date.now() - t0} ms): passes now; remove its knownFailure mark ("${opts.knownFailure}")`,
          )
          throw new StepFailure(title)
        }
        passed++
        console.log(`ok    ${title} (${Date.now() - t0} ms)`)
        return value
      } catch (err) {
        if (err instanceof StepFailure) throw err
        if (opts.knownFailure) {
          notRun.push(title)
          console.log(`SKIP  ${title}: known server misbehaviour: ${opts.knownFailure}`)
          console.log(indent(describeError(err)))
          return undefined
        }
        console.log(`FAIL  ${title} (${Date.now() - t0} ms)`)
        console.log(indent(describeError(err)))
        throw new StepFailure(title)
      } finally {
        clearTimeout(timer)
      }
    },
  }
  try {
    await fn(s)
  } catch (err) {
    const where =
      err instanceof StepFailure
        ? `failed at step "${err.message}"`
        : `failed outside a step:\n${indent(describeError(err))}`
    console.log(`${name}: ${where}; ${passed} passed, ${notRun.length} skipped before it (${Date.now() - started} ms)`)
    process.exitCode = 1
    return
  }
  const skips = notRun.length ? `, ${notRun.length} skipped (${notRun.join('; ')})` : ''
  console.log(`${name}: PASS, ${passed} steps passed${skips} (${Date.now() - started} ms)`)
}

function indent(text) {
  return text.replace(/^/gm, '      ')
}

/** describeError renders err with what matters for a failing XRPC call. */
export function describeError(err) {
  if (err instanceof XRPCError) {
    const lines = [
      `XRPCError: HTTP ${err.status} error=${JSON.stringify(err.error)} message=${JSON.stringify(err.message)}`,
    ]
    if (err.cause) lines.push(`cause: ${err.cause?.stack ?? err.cause}`)
    lines.push(stackOf(err))
    return lines.join('\n')
  }
  if (err instanceof assert.AssertionError) {
    return `${err.message}\n${stackOf(err)}`
  }
  let out = err?.stack ?? String(err)
  for (let c = err?.cause, depth = 0; c && depth < 5; c = c.cause, depth++) {
    out += `\ncaused by: ${c?.stack ?? c}`
  }
  return out
}

function stackOf(err) {
  // The frames inside the scenario scripts say which call failed.
  return (err.stack ?? '')
    .split('\n')
    .filter((l) => l.includes('/scenarios/') && !l.includes('/scenarios/lib.mjs'))
    .slice(0, 3)
    .map((l) => l.trim())
    .join('\n')
}

/**
 * expectXrpcError awaits promise, which must reject with an XRPC error of
 * the given HTTP status and error name (and message, when given: only
 * where apps read it); it returns the error.
 */
export async function expectXrpcError(promise, { status, error, message }) {
  let res
  try {
    res = await promise
  } catch (err) {
    if (!(err instanceof XRPCError)) throw err
    const got = `HTTP ${err.status} ${err.error}: ${JSON.stringify(err.message)}`
    assert.equal(err.error, error, `error name: want ${status} ${error}, got ${got}`)
    assert.equal(err.status, status, `HTTP status: want ${status} ${error}, got ${got}`)
    if (message !== undefined) {
      assert.equal(err.message, message, `message: want ${JSON.stringify(message)}, got ${got}`)
    }
    return err
  }
  assert.fail(`want HTTP ${status} ${error}, but the call succeeded with ${JSON.stringify(res?.data)}`)
}

/** unique returns a short lower-case name, unique per run: prefix + 8 chars. */
export function unique(prefix) {
  return (
    prefix +
    randomBytes(6)
      .toString('base64url')
      .replace(/[^a-z0-9]/gi, '')
      .toLowerCase()
      .slice(0, 8)
      .padEnd(8, '0')
  )
}

/** newAccountInput returns createAccount input for a fresh user named after prefix. */
export function newAccountInput(prefix) {
  const name = unique(prefix)
  return {
    handle: `${name}${env.handleDomain}`,
    email: `${name}@example.com`,
    password: `pw-${randomBytes(9).toString('base64url')}`,
  }
}

/** newAgent returns an AtpAgent for the node under test, as an app creates one. */
export function newAgent() {
  return new AtpAgent({ service: env.url })
}

/**
 * createAccount signs up a fresh user with an AtpAgent and returns
 * { agent, did, handle, email, password, res }.
 */
export async function createAccount(prefix, extra = {}) {
  const input = { ...newAccountInput(prefix), ...extra }
  const agent = newAgent()
  const res = await agent.createAccount(input)
  return { agent, did: res.data.did, handle: res.data.handle, email: input.email, password: input.password, res }
}

/** adminHeaders returns the Basic authorization header for the admin API. */
export function adminHeaders(password = env.adminPassword) {
  return { authorization: 'Basic ' + Buffer.from(`admin:${password}`).toString('base64') }
}

/** jwtPayload decodes (without verifying) the claims of a JWT. */
export function jwtPayload(jwt) {
  const parts = jwt.split('.')
  assert.equal(parts.length, 3, `not a JWT: ${jwt}`)
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
}

/** jwtHeader decodes the header of a JWT. */
export function jwtHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'))
}

// The mail outbox: DATA_DIR/mail.jsonl, one JSON object per line
// ({time, from, to, subject, text}; see account.OutboxEntry).
const outboxPath = () => path.join(env.dataDir, 'mail.jsonl')

/** readOutbox returns every message in the outbox, oldest first. */
export function readOutbox() {
  let text
  try {
    text = fs.readFileSync(outboxPath(), 'utf8')
  } catch (err) {
    if (err.code === 'ENOENT') return []
    throw err
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

/**
 * waitForMail returns the first message to `to` at index `after` or later
 * in the outbox (take `after` from readOutbox().length before the request),
 * waiting up to 10 s for it.
 */
export async function waitForMail(to, after) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const msg = readOutbox()
      .slice(after)
      .find((m) => m.to === to)
    if (msg) return msg
    if (Date.now() > deadline) {
      assert.fail(`no mail to ${to} in ${outboxPath()} after entry ${after} within 10 s`)
    }
    await sleep(100)
  }
}

/** tokenFrom returns the emailed token (XXXXX-XXXXX, as the reference sends) in msg. */
export function tokenFrom(msg) {
  const m = /\b([A-Za-z2-7]{5}-[A-Za-z2-7]{5})\b/.exec(msg.text)
  assert.ok(m, `no XXXXX-XXXXX token in the mail "${msg.subject}":\n${msg.text}`)
  return m[1]
}

/**
 * mailedToken runs request() (which makes the node email `to`) and returns
 * the token from the message it sent.
 */
export async function mailedToken(to, request) {
  const before = readOutbox().length
  await request()
  return tokenFrom(await waitForMail(to, before))
}

/** plcGet fetches path from the PLC directory and returns the parsed JSON. */
export async function plcGet(p) {
  assert.ok(env.plcUrl, 'BOLTSKY_PLC_URL is not set')
  const res = await fetch(env.plcUrl + p)
  const body = await res.text()
  assert.equal(res.status, 200, `GET ${env.plcUrl}${p}: HTTP ${res.status}: ${body}`)
  return JSON.parse(body)
}

/** newDidKey returns a fresh secp256k1 public key as a did:key. */
export function newDidKey() {
  return newKeyPair().didKey
}

// Keys, signatures and DAG-CBOR, for what the scenarios must make as
// another party would: a PLC operation signed with a key the user holds,
// a service token from another PDS, the repository CAR an old PDS
// exports. Only node:crypto is used; @atproto/api brings no crypto.

// The group orders of secp256k1 and P-256, for low-S signatures.
const curveOrder = {
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
}

// The multicodec prefixes of did:key public keys and the DER SPKI prefix
// that wraps their 33-byte compressed point.
const didKeyCurves = [
  {
    curve: 'secp256k1',
    alg: 'ES256K',
    multicodec: Buffer.from([0xe7, 0x01]),
    spki: Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
  },
  {
    curve: 'prime256v1',
    alg: 'ES256',
    multicodec: Buffer.from([0x80, 0x24]),
    spki: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
  },
]

/**
 * newKeyPair returns a fresh secp256k1 key: { privateKey (a node
 * KeyObject), didKey }.
 */
export function newKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  const jwk = publicKey.export({ format: 'jwk' })
  const x = Buffer.from(jwk.x, 'base64url')
  const y = Buffer.from(jwk.y, 'base64url')
  // multicodec secp256k1-pub (0xe7, varint e7 01), then the compressed point.
  const bytes = Buffer.concat([Buffer.from([0xe7, 0x01, y[y.length - 1] & 1 ? 0x03 : 0x02]), x])
  return { privateKey, didKey: 'did:key:z' + base58btc(bytes) }
}

/**
 * parseDidKey returns { curve, alg, publicKey (a node KeyObject) } for a
 * did:key of a secp256k1 or P-256 key.
 */
export function parseDidKey(didKey) {
  assert.match(didKey, /^did:key:z[1-9A-HJ-NP-Za-km-z]+$/, 'a base58btc did:key')
  const bytes = base58btcDecode(didKey.slice('did:key:z'.length))
  const c = didKeyCurves.find((c) => bytes.subarray(0, 2).equals(c.multicodec))
  assert.ok(c, `did:key ${didKey} is neither secp256k1 nor P-256`)
  const point = bytes.subarray(2)
  assert.equal(point.length, 33, `did:key ${didKey}: not a compressed point`)
  const publicKey = createPublicKey({ key: Buffer.concat([c.spki, point]), format: 'der', type: 'spki' })
  return { curve: c.curve, alg: c.alg, publicKey }
}

/** signLowS signs sha256(data) with privateKey: 64 bytes r‖s with s in the lower half, as atproto requires. */
export function signLowS(privateKey, data) {
  const sig = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
  const n = curveOrder[privateKey.asymmetricKeyDetails.namedCurve]
  const s = BigInt('0x' + sig.subarray(32).toString('hex'))
  if (s > n / 2n) {
    Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex').copy(sig, 32)
  }
  return sig
}

/** isLowS reports whether a 64-byte r‖s signature on curve has s in the lower half. */
export function isLowS(sig, curve) {
  return BigInt('0x' + Buffer.from(sig).subarray(32).toString('hex')) <= curveOrder[curve] / 2n
}

/**
 * verifyJwt checks a JWT's signature against a did:key and that its alg
 * names the key's curve; it returns { header, payload }, or throws.
 */
export function verifyJwt(jwt, didKey) {
  const [h, p, s] = jwt.split('.')
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
  const { curve, alg, publicKey } = parseDidKey(didKey)
  assert.equal(header.alg, alg, `JWT alg for a ${curve} key`)
  const sig = Buffer.from(s, 'base64url')
  assert.equal(sig.length, 64, 'a compact r‖s signature')
  assert.ok(isLowS(sig, curve), 'the signature is low-S')
  assert.ok(
    verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig),
    `JWT signature does not verify against ${didKey}`,
  )
  return { header, payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) }
}

/** signJwt returns an ES256K JWT over claims, signed with a secp256k1 privateKey. */
export function signJwt(claims, privateKey) {
  const h = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ES256K' })).toString('base64url')
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${h}.${p}.${signLowS(privateKey, Buffer.from(`${h}.${p}`)).toString('base64url')}`
}

/** CidLink is a CID in a DAG-CBOR value (tag 42); bytes is the binary CID. */
export class CidLink {
  constructor(bytes) {
    this.bytes = Buffer.from(bytes)
  }
  toString() {
    return 'b' + base32(this.bytes)
  }
}

/** cidOf returns the CIDv1 (sha2-256) of bytes, DAG-CBOR codec unless raw. */
export function cidOf(bytes, { raw = false } = {}) {
  const digest = createHash('sha256').update(bytes).digest()
  return new CidLink(Buffer.concat([Buffer.from([0x01, raw ? 0x55 : 0x71, 0x12, 0x20]), digest]))
}

/**
 * dagCbor encodes value as canonical DAG-CBOR: null, booleans, safe
 * integers, strings, byte arrays, CidLinks, arrays and plain objects (keys
 * sorted by length, then bytes).
 */
export function dagCbor(value) {
  const out = []
  cborInto(out, value)
  return Buffer.concat(out)
}

function cborHead(out, major, n) {
  const m = major << 5
  if (n < 24) out.push(Buffer.from([m | n]))
  else if (n < 0x100) out.push(Buffer.from([m | 24, n]))
  else if (n < 0x10000) out.push(Buffer.from([m | 25, n >> 8, n & 0xff]))
  else if (n < 0x100000000) {
    const b = Buffer.alloc(5)
    b[0] = m | 26
    b.writeUInt32BE(n, 1)
    out.push(b)
  } else {
    const b = Buffer.alloc(9)
    b[0] = m | 27
    b.writeBigUInt64BE(BigInt(n), 1)
    out.push(b)
  }
}

function cborInto(out, v) {
  if (v === null) out.push(Buffer.from([0xf6]))
  else if (v === true || v === false) out.push(Buffer.from([v ? 0xf5 : 0xf4]))
  else if (typeof v === 'number') {
    assert.ok(Number.isSafeInteger(v), `DAG-CBOR: ${v} is not a safe integer`)
    if (v >= 0) cborHead(out, 0, v)
    else cborHead(out, 1, -1 - v)
  } else if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8')
    cborHead(out, 3, b.length)
    out.push(b)
  } else if (v instanceof CidLink) {
    out.push(Buffer.from([0xd8, 0x2a]))
    cborHead(out, 2, v.bytes.length + 1)
    out.push(Buffer.from([0]), v.bytes)
  } else if (v instanceof Uint8Array) {
    cborHead(out, 2, v.length)
    out.push(Buffer.from(v))
  } else if (Array.isArray(v)) {
    cborHead(out, 4, v.length)
    for (const item of v) cborInto(out, item)
  } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v).sort((a, b) => {
      const la = Buffer.byteLength(a)
      const lb = Buffer.byteLength(b)
      return la !== lb ? la - lb : Buffer.compare(Buffer.from(a), Buffer.from(b))
    })
    cborHead(out, 5, keys.length)
    for (const k of keys) {
      assert.notEqual(v[k], undefined, `DAG-CBOR: key ${k} is undefined`)
      cborInto(out, k)
      cborInto(out, v[k])
    }
  } else {
    assert.fail(`DAG-CBOR: cannot encode ${typeof v} ${v}`)
  }
}

/** signPlcOperation returns op (without sig) signed with a rotation key. */
export function signPlcOperation(op, privateKey) {
  return { ...op, sig: signLowS(privateKey, dagCbor(op)).toString('base64url') }
}

/** plcDidOf returns the did:plc of a signed genesis operation. */
export function plcDidOf(signedGenesis) {
  return 'did:plc:' + base32(createHash('sha256').update(dagCbor(signedGenesis)).digest()).slice(0, 24)
}

/** plcSubmit posts a signed operation for did to the PLC directory. */
export async function plcSubmit(did, op) {
  assert.ok(env.plcUrl, 'BOLTSKY_PLC_URL is not set')
  const res = await fetch(`${env.plcUrl}/${did}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(op),
  })
  const body = await res.text()
  assert.equal(res.status, 200, `POST ${env.plcUrl}/${did}: HTTP ${res.status}: ${body}`)
}

/** newTid returns a fresh record key / revision in TID form. */
let tidLast = 0n
export function newTid() {
  let micros = BigInt(Date.now()) * 1000n
  if (micros <= tidLast) micros = tidLast + 1n
  tidLast = micros
  const v = (micros << 10n) | BigInt(randomBytes(2).readUInt16BE() & 0x3ff)
  const alphabet = '234567abcdefghijklmnopqrstuvwxyz'
  let out = ''
  for (let i = 12; i >= 0; i--) out += alphabet[Number((v >> BigInt(5 * i)) & 31n)]
  return out
}

/** mstLayer returns the MST layer of a repository key: leading zero bits of sha256(key), halved. */
export function mstLayer(key) {
  const digest = createHash('sha256').update(key).digest()
  let zeros = 0
  for (const b of digest) {
    if (b === 0) {
      zeros += 8
      continue
    }
    zeros += Math.clz32(b) - 24
    break
  }
  return Math.floor(zeros / 2)
}

/**
 * layerZeroRkey returns a fresh TID record key whose path in collection
 * sits on the MST's bottom layer, so that repoCAR can put it in a single
 * node.
 */
export function layerZeroRkey(collection) {
  for (;;) {
    const rkey = newTid()
    if (mstLayer(`${collection}/${rkey}`) === 0) return rkey
  }
}

/**
 * repoCAR returns the CAR an old PDS would export for did: its records
 * ({ collection, rkey, value }, each key on layer 0: see layerZeroRkey)
 * in one MST node under a v3 commit signed with privateKey. It returns
 * { car, commit (CidLink), records: [{ uri, cid }] }.
 */
export function repoCAR({ did, records, privateKey, rev = newTid() }) {
  const blocks = []
  const entries = records
    .map((r) => {
      const bytes = dagCbor(r.value)
      const cid = cidOf(bytes)
      blocks.push([cid, bytes])
      return { key: `${r.collection}/${r.rkey}`, cid, uri: `at://${did}/${r.collection}/${r.rkey}` }
    })
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
  let prev = Buffer.alloc(0)
  const e = entries.map(({ key, cid }) => {
    assert.equal(mstLayer(key), 0, `${key} is not on MST layer 0`)
    const k = Buffer.from(key)
    let p = 0
    while (p < prev.length && p < k.length && prev[p] === k[p]) p++
    prev = k
    return { k: k.subarray(p), p, t: null, v: cid }
  })
  const node = dagCbor({ l: null, e })
  const data = cidOf(node)
  blocks.push([data, node])
  const unsigned = { did, version: 3, data, rev, prev: null }
  const commitBytes = dagCbor({ ...unsigned, sig: signLowS(privateKey, dagCbor(unsigned)) })
  const commit = cidOf(commitBytes)
  blocks.unshift([commit, commitBytes])
  const parts = []
  const header = dagCbor({ version: 1, roots: [commit] })
  parts.push(varint(header.length), header)
  for (const [cid, bytes] of blocks) parts.push(varint(cid.bytes.length + bytes.length), cid.bytes, bytes)
  return {
    car: Buffer.concat(parts),
    commit,
    records: entries.map(({ uri, cid }) => ({ uri, cid: cid.toString() })),
  }
}

function varint(n) {
  const out = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return Buffer.from(out)
}

function base58btc(bytes) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt('0x' + (bytes.length ? Buffer.from(bytes).toString('hex') : '0'))
  let out = ''
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = '1' + out
  }
  return out
}

function base58btcDecode(text) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = 0n
  for (const ch of text) {
    const d = alphabet.indexOf(ch)
    assert.ok(d >= 0, `not base58btc: ${text}`)
    n = n * 58n + BigInt(d)
  }
  let hex = n === 0n ? '' : n.toString(16)
  if (hex.length % 2) hex = '0' + hex
  let zeros = 0
  while (text[zeros] === '1') zeros++
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(hex, 'hex')])
}

/** rawCid returns the CID of a blob: CIDv1, raw codec, sha2-256, base32. */
export function rawCid(bytes) {
  const digest = createHash('sha256').update(bytes).digest()
  return 'b' + base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]))
}

function base32(bytes) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let out = ''
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

/** tinyPNG is a valid 1x1 PNG image. */
export const tinyPNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

export { assert }
