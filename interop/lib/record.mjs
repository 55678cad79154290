// record.mjs holds the Recorder: what one scenario saw on one server, as
// a list of labelled fingerprints, compared step by step with the other
// server's list.
import { readCarSummary } from './firehose.mjs'
import { load } from './modules.mjs'
import { shape } from './fingerprint.mjs'

/** Recorder collects the fingerprints of one scenario run on one target. */
export class Recorder {
  constructor(target) {
    this.t = target
    this.steps = []
  }

  /** add records a fingerprint already computed. */
  add(label, fp) {
    this.steps.push({ label, fp })
  }

  /** val records the fingerprint of a plain value (shape with this server's markers). */
  val(label, v) {
    this.add(label, shape(v, this.t.ctx))
  }

  /** same records a value compared verbatim across servers. */
  same(label, v) {
    this.add(label, v)
  }

  /**
   * res records an HTTP answer: its status; for an error, the error name
   * (never the message); for a success, the content type and the shape of
   * the JSON body (opts.pick transforms the JSON first). opts.headers
   * names response headers whose (classified) values are compared.
   */
  res(label, res, opts = {}) {
    this.add(label, resShape(res, this.t.ctx, opts))
    return res
  }

  /**
   * car records a CAR answer: status, content type and the CAR's
   * summary (roots, kinds of blocks); opts.verify = { did } also checks
   * the whole repo against the DID's signing key (@atproto/repo).
   */
  async car(label, res, opts = {}) {
    const fp = resShape(res, this.t.ctx, { ...opts, body: false })
    if (res.ok) {
      fp.car = carShape(await readCarSummary(res.bytes), opts)
      if (opts.verifyRepo) fp.verified = await verifyRepo(this.t, res.bytes, opts.verifyRepo)
      if (opts.verifyRecord) fp.proof = await verifyRecordProof(this.t, res.bytes, opts.verifyRecord)
    }
    this.add(label, fp)
    return res
  }
}

/** resShape is the fingerprint of an HTTP answer. */
export function resShape(res, ctx, opts = {}) {
  const fp = { status: res.status }
  if (!res.ok) {
    fp.error = res.json?.error ?? `<non-json ${res.contentType || 'empty'}>`
  } else {
    fp.type = res.contentType || '<none>'
    if (opts.body !== false) {
      if (res.json !== undefined) fp.body = shape(opts.pick ? opts.pick(res.json) : res.json, ctx)
      else if (res.bytes.length) fp.body = `<${res.bytes.length} bytes>`
      else fp.body = '<empty>'
    }
  }
  for (const h of opts.headers ?? []) {
    const v = res.headers.get(h)
    fp[`header:${h}`] = v === null ? '(absent)' : shape(v, ctx, h)
  }
  return fp
}

/**
 * carShape is the fingerprint of a CAR summary: root count, what the
 * root is, how many commit and record blocks, whether there are MST
 * nodes (their number depends on the keys, which are random TIDs in
 * most scenarios: opts.exactMst compares it exactly).
 */
export function carShape(sum, opts = {}) {
  if (sum.error) return { error: 'unparseable CAR' }
  const k = sum.kinds
  return {
    roots: sum.roots.length,
    root: sum.rootKind,
    commits: k.commit,
    records: k.record,
    mst: opts.exactMst ? k.mst : k.mst > 0 ? '>=1' : 0,
    other: k.other,
  }
}

async function verifyRepo(t, bytes, { did }) {
  const { verifyRepoCar } = await load('@atproto/repo')
  try {
    const key = await t.signingKey(did)
    const repo = await verifyRepoCar(bytes, did, key)
    return { ok: true, creates: repo.creates.length }
  } catch (err) {
    return { ok: false }
  }
}

async function verifyRecordProof(t, bytes, { did, collection, rkey }) {
  const { verifyRecords } = await load('@atproto/repo')
  try {
    const key = await t.signingKey(did)
    const claims = await verifyRecords(bytes, did, key)
    return { ok: true, found: claims.some((c) => c.collection === collection && c.rkey === rkey), claims: claims.length }
  } catch (err) {
    return { ok: false }
  }
}
