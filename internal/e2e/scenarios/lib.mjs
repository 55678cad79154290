// lib.mjs is what every scenario shares: the node under test (from the
// environment), the official client (@atproto/api, loaded from the
// node_modules folder named by BOLTSKY_E2E_NODE_MODULES), a step runner
// that prints one line per step and exits non-zero on the first failure,
// and helpers for XRPC errors, the mail outbox, JWTs and did:key.
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
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
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
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  const jwk = publicKey.export({ format: 'jwk' })
  const x = Buffer.from(jwk.x, 'base64url')
  const y = Buffer.from(jwk.y, 'base64url')
  // multicodec secp256k1-pub (0xe7, varint e7 01), then the compressed point.
  const bytes = Buffer.concat([Buffer.from([0xe7, 0x01, y[y.length - 1] & 1 ? 0x03 : 0x02]), x])
  return 'did:key:z' + base58btc(bytes)
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
