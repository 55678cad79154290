// target.mjs is one server under comparison as the scenarios see it: raw
// XRPC calls (fetch, so statuses and error names are seen as sent),
// account helpers, its mail, the PLC directory, and its firehose.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { Firehose } from './firehose.mjs'

/** Res is one HTTP answer. */
export class Res {
  constructor(status, headers, bytes) {
    this.status = status
    this.headers = headers
    this.bytes = bytes
    this.contentType = (headers.get('content-type') || '').split(';')[0].trim()
    this.json = undefined
    if (this.contentType === 'application/json' || (bytes.length && bytes[0] === 0x7b)) {
      try {
        this.json = JSON.parse(Buffer.from(bytes).toString('utf8'))
      } catch {}
    }
  }
  get ok() {
    return this.status >= 200 && this.status < 300
  }
  get data() {
    return this.json
  }
  get error() {
    return this.ok ? undefined : this.json?.error
  }
}

/** Target is one PDS under test. */
export class Target {
  /**
   * opts: { name, url, plcUrl, adminPassword, readMail: () => [{to, subject, text}] }
   */
  constructor(opts) {
    Object.assign(this, opts)
    this.firehose = new Firehose(this.url.replace(/^http/, 'ws') + '/xrpc/com.atproto.sync.subscribeRepos')
    this.counter = 0
  }

  /** ctx is what fingerprints need to know about this server. */
  get ctx() {
    return {
      urls: [
        [this.url, '<this-pds>'],
        [this.plcUrl, '<plc>'],
      ],
    }
  }

  /**
   * call sends one XRPC request. opts: params (query), body (object for
   * JSON, Uint8Array for raw bytes), contentType, auth (a bearer token,
   * 'admin', {basic: password} or {header: value}), headers, method
   * (default POST with a body or post:true, else GET).
   */
  async call(nsid, opts = {}) {
    const url = new URL(`${this.url}/xrpc/${nsid}`)
    for (const [k, v] of Object.entries(opts.params ?? {})) {
      if (v === undefined) continue
      for (const x of [v].flat()) url.searchParams.append(k, String(x))
    }
    return this.fetch(url, opts)
  }

  /** fetch sends a request to a path (or URL) of this server. */
  async fetch(pathOrUrl, opts = {}) {
    const url = pathOrUrl instanceof URL ? pathOrUrl : new URL(this.url + pathOrUrl)
    const headers = { ...(opts.headers ?? {}) }
    const auth = opts.auth
    if (auth === 'admin' || auth?.basic !== undefined) {
      const pw = auth === 'admin' ? this.adminPassword : auth.basic
      headers.authorization = 'Basic ' + Buffer.from(`admin:${pw}`).toString('base64')
    } else if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`
    else if (auth?.header !== undefined) headers.authorization = auth.header
    let body
    if (opts.body instanceof Uint8Array) {
      body = opts.body
      headers['content-type'] ??= opts.contentType ?? 'application/octet-stream'
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] ??= opts.contentType ?? 'application/json'
    }
    const method = opts.method ?? (body !== undefined || opts.post ? 'POST' : 'GET')
    // A connection the server drops is an answer too: status 0 and the
    // socket error's code as the error name.
    try {
      const res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
      const bytes = new Uint8Array(await res.arrayBuffer())
      return new Res(res.status, res.headers, bytes)
    } catch (err) {
      const code = err.cause?.code ?? err.name ?? 'error'
      const bytes = new TextEncoder().encode(JSON.stringify({ error: `<network: ${code}>` }))
      return new Res(0, new Headers({ 'content-type': 'application/json' }), bytes)
    }
  }

  /** unique returns a fresh lower-case name: prefix + 6 random characters. */
  unique(prefix) {
    return prefix + randomBytes(8).toString('hex').slice(0, 6)
  }

  /** accountInput returns createAccount input for a fresh user. */
  accountInput(prefix = 'u') {
    const name = this.unique(prefix)
    return { handle: `${name}.test`, email: `${name}@example.com`, password: `pw-${randomBytes(9).toString('base64url')}` }
  }

  /**
   * createAccount signs up a fresh user and returns { did, handle, email,
   * password, access, refresh, res }; it throws when the server refuses.
   */
  async createAccount(prefix = 'u', extra = {}) {
    const input = { ...this.accountInput(prefix), ...extra }
    const res = await this.call('com.atproto.server.createAccount', { body: input })
    must(res, 'createAccount')
    return {
      did: res.json.did,
      handle: res.json.handle,
      email: input.email,
      password: input.password,
      access: res.json.accessJwt,
      refresh: res.json.refreshJwt,
      res,
    }
  }

  /** login returns a fresh session { access, refresh, res } for user. */
  async login(user, password = user.password) {
    const res = await this.call('com.atproto.server.createSession', {
      body: { identifier: user.handle, password },
    })
    must(res, 'createSession')
    return { access: res.json.accessJwt, refresh: res.json.refreshJwt, res }
  }

  /** createRecord writes record into collection (extra: rkey, swaps, validate); returns the answer's JSON, throwing on refusal. */
  async createRecord(user, collection, record, extra = {}) {
    const res = await this.call('com.atproto.repo.createRecord', {
      auth: user.access,
      body: { repo: user.did, collection, record, ...extra },
    })
    must(res, `createRecord ${collection}`)
    return res.json
  }

  /** mails returns every message this server sent, oldest first. */
  mails() {
    return this.readMail()
  }

  /**
   * mailedToken runs request() (which makes the server email `to`) and
   * returns the XXXXX-XXXXX code in the message it sent.
   */
  async mailedToken(to, request) {
    const before = this.mails().length
    const res = await request()
    const deadline = Date.now() + 10_000
    for (;;) {
      const msg = this.mails()
        .slice(before)
        .find((m) => m.to === to)
      if (msg) {
        const m = /\b([A-Z2-7]{5}-[A-Z2-7]{5})\b/.exec(msg.text)
        if (!m) throw new Error(`${this.name}: no XXXXX-XXXXX code in the mail "${msg.subject}"`)
        return { token: m[1], res, mail: msg }
      }
      if (Date.now() > deadline) return { token: undefined, res, mail: undefined }
      await sleep(50)
    }
  }

  /** plc fetches a path of the PLC directory and returns { status, json }. */
  async plc(p) {
    const res = await fetch(this.plcUrl + p)
    const text = await res.text()
    let json
    try {
      json = JSON.parse(text)
    } catch {}
    return { status: res.status, json }
  }

  /** signingKey returns the did:key of the #atproto key in did's PLC document. */
  async signingKey(did) {
    const { json } = await this.plc(`/${did}/data`)
    return json?.verificationMethods?.atproto
  }
}

/** must throws when res is not a success. */
export function must(res, what) {
  if (!res.ok) {
    const e = new Error(`${what}: HTTP ${res.status} ${res.json?.error ?? ''} ${res.json?.message ?? ''}`.trim())
    e.res = res
    throw e
  }
  return res
}

/** readJsonl returns a reader of the JSON-lines mail outbox at file. */
export function readJsonl(file) {
  return () => {
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (err) {
      if (err.code === 'ENOENT') return []
      throw err
    }
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l))
  }
}

