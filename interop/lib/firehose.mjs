// firehose.mjs reads com.atproto.sync.subscribeRepos: each binary frame is
// two DAG-CBOR objects (header, payload); the CAR slices of #commit and
// #sync are parsed and their blocks sorted into commits, MST nodes and
// records.
import { setTimeout as sleep } from 'node:timers/promises'
import { load } from './modules.mjs'

/** decodeFrame turns one binary frame into { header, body, car }. */
export async function decodeFrame(bytes) {
  const { cborDecodeMulti } = await load('@atproto/common')
  const [header, body] = cborDecodeMulti(bytes)
  const frame = { header, body, car: null }
  if (body && body.blocks instanceof Uint8Array) {
    frame.car = await readCarSummary(body.blocks)
  }
  return frame
}

/**
 * readCarSummary parses CAR bytes into { roots, blocks: Map cid→value,
 * commit (the decoded root commit or null), kinds: {commit, mst, record,
 * other} } or { error } when they do not parse.
 */
export async function readCarSummary(bytes) {
  const { readCar } = await load('@atproto/repo')
  const { cborDecode } = await load('@atproto/common')
  try {
    const car = await readCar(bytes)
    const kinds = { commit: 0, mst: 0, record: 0, other: 0 }
    const values = new Map()
    for (const [cid, block] of car.blocks) {
      let value
      try {
        value = cborDecode(block)
      } catch {
        kinds.other++
        continue
      }
      values.set(cid.toString(), value)
      kinds[blockKind(value)]++
    }
    const root = car.roots[0]?.toString()
    const rootValue = root ? values.get(root) : undefined
    return {
      roots: car.roots.map((c) => c.toString()),
      values,
      kinds,
      commit: rootValue && blockKind(rootValue) === 'commit' ? rootValue : null,
      rootKind: rootValue ? blockKind(rootValue) : root ? 'missing' : 'none',
    }
  } catch (err) {
    return { error: String(err.message ?? err) }
  }
}

/** blockKind names what a decoded repo block is. */
export function blockKind(v) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('did' in v && 'rev' in v && 'data' in v && 'sig' in v) return 'commit'
    if ('e' in v && 'l' in v && Array.isArray(v.e)) return 'mst'
    if (typeof v.$type === 'string') return 'record'
  }
  return 'other'
}

/**
 * Firehose keeps one subscription open and collects every frame, in
 * order, decoded.
 */
export class Firehose {
  constructor(url) {
    this.url = url
    this.frames = []
    this.closed = null
    this.chain = Promise.resolve()
  }

  /** start connects (live, no cursor) and resolves once open. */
  async start() {
    this.ws = await openSocket(this.url, (bytes) => {
      this.chain = this.chain.then(async () => {
        try {
          this.frames.push(await decodeFrame(bytes))
        } catch (err) {
          this.frames.push({ header: { decodeError: String(err.message ?? err) }, body: null })
        }
      })
    })
    this.ws.addEventListener('close', (ev) => {
      this.closed = { code: ev.code, reason: ev.reason }
    })
  }

  close() {
    this.ws?.close()
  }

  /** framesFor returns the frames about did (repo or did field), in order. */
  framesFor(did) {
    return this.frames.filter((f) => f.body && (f.body.repo === did || f.body.did === did))
  }

  /**
   * waitFor waits until pred(framesFor(did)) holds (or timeoutMs passes),
   * then a short settle time for frames that follow at once; returns the
   * frames about did.
   */
  async waitFor(did, pred, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (!pred(this.framesFor(did)) && Date.now() < deadline) await sleep(25)
    await sleep(150)
    await this.chain
    return this.framesFor(did)
  }

  /** lastSeq returns the highest seq seen so far (0 if none). */
  lastSeq() {
    let seq = 0
    for (const f of this.frames) if (typeof f.body?.seq === 'number' && f.body.seq > seq) seq = f.body.seq
    return seq
  }
}

/**
 * collect opens a subscription with the given query (e.g. {cursor}),
 * gathers decoded frames until until(frames) holds, the server closes, or
 * timeoutMs passes; returns { frames, closed, openError }.
 */
export async function collect(url, query = {}, { until = () => false, timeoutMs = 3000 } = {}) {
  const u = new URL(url)
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, String(v))
  const frames = []
  let chain = Promise.resolve()
  let closed = null
  let ws
  try {
    ws = await openSocket(u.href, (bytes) => {
      chain = chain.then(async () => frames.push(await decodeFrame(bytes)))
    })
  } catch (err) {
    return { frames, closed, openError: String(err.message ?? err) }
  }
  ws.addEventListener('close', (ev) => {
    closed = { code: ev.code }
  })
  const deadline = Date.now() + timeoutMs
  while (!closed && Date.now() < deadline) {
    await chain
    if (until(frames)) break
    await sleep(25)
  }
  await sleep(100)
  await chain
  if (!closed) ws.close()
  return { frames, closed }
}

function openSocket(url, onBytes) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    const timer = setTimeout(() => {
      ws.close()
      reject(new Error(`websocket ${url}: not open within 10 s`))
    }, 10_000)
    ws.addEventListener('open', () => {
      clearTimeout(timer)
      resolve(ws)
    })
    ws.addEventListener('error', (ev) => {
      clearTimeout(timer)
      reject(new Error(`websocket ${url}: ${ev.message ?? 'error'}`))
    })
    ws.addEventListener('message', (ev) => {
      if (ev.data instanceof ArrayBuffer) onBytes(new Uint8Array(ev.data))
      else onBytes(new TextEncoder().encode(String(ev.data)))
    })
  })
}
