// firehose.mjs: the frames com.atproto.sync.subscribeRepos sends for
// account creation, record writes, deactivation, handle changes,
// takedowns and deletion; cursor replay and FutureCursor. Each frame is
// reduced to its header, its payload's fields (identifiers as markers)
// and its CAR slice's kinds of blocks; the chain of one account's frames
// is checked too (seq order, since = previous rev, prevData = previous
// data, signature, ops' blocks present).
import { collect } from '../lib/firehose.mjs'
import { shape } from '../lib/fingerprint.mjs'
import { load } from '../lib/modules.mjs'
import { carShape } from '../lib/record.mjs'
import { POST, PROFILE, post, scenario, tinyPNG } from '../lib/scenario.mjs'

/** frameShape is the fingerprint of one decoded frame. */
export function frameShape(f, ctx) {
  const out = { op: f.header?.op, t: f.header?.t ?? null }
  if (f.header?.decodeError) return { decodeError: true }
  if (!f.body) return out
  const { blocks, ...rest } = f.body
  out.body = shape(rest, ctx)
  if ('blocks' in f.body) out.blocks = f.car ? carShape(f.car) : shape(blocks, ctx)
  return out
}

/**
 * chainChecks checks what a consumer checks across one account's frames
 * (spec/sync): seqs increase; a #commit's CAR root is its commit, whose
 * rev and data the event repeats; since and prevData follow the previous
 * commit; the signature verifies; created and updated records are in the
 * slice. prior is the account's frames before these (for since/prevData).
 */
async function chainChecks(t, did, frames, prior = []) {
  const { verifyCommitSig } = await load('@atproto/repo')
  const key = await t.signingKey(did)
  const out = []
  let last = null
  // The previous commit state, from the frames before these.
  for (const f of prior) {
    if (f.header?.t === '#commit' && f.car?.commit) last = f.car.commit
    if (f.header?.t === '#sync' && f.car?.commit) last = f.car.commit
  }
  let prevSeq = prior.length ? prior[prior.length - 1].body?.seq : 0
  for (const f of frames) {
    const c = { t: f.header?.t, seqIncreases: typeof f.body?.seq === 'number' && f.body.seq > prevSeq }
    prevSeq = f.body?.seq ?? prevSeq
    if (f.header?.t === '#commit') {
      const commit = f.car?.commit
      c.rootIsCommit = !!commit && f.car.roots[0] === f.body.commit?.toString()
      c.revMatches = commit?.rev === f.body.rev
      c.sinceIsPrevRev = last ? f.body.since === last.rev : f.body.since === null
      c.prevDataIsPrevData = last ? f.body.prevData?.toString() === last.data?.toString() : f.body.prevData === undefined || f.body.prevData === null
      c.signatureValid = commit ? await verifyCommitSig(commit, key).catch(() => false) : false
      c.opBlocksPresent = (f.body.ops ?? []).every((op) => op.action === 'delete' || f.car.values.has(op.cid?.toString()))
      last = commit ?? last
    } else if (f.header?.t === '#sync') {
      const commit = f.car?.commit
      c.rootIsCommit = !!commit
      c.revMatches = commit?.rev === f.body.rev
      c.onlyCommitBlock = f.car?.values?.size === 1
      c.signatureValid = commit ? await verifyCommitSig(commit, key).catch(() => false) : false
      last = commit ?? last
    }
    out.push(c)
  }
  return out
}

/**
 * observe runs action, then waits for at least want new frames about did
 * (5 s at most) and records their shapes and chain checks.
 */
async function observe(t, o, label, did, want, action) {
  const prior = t.firehose.framesFor(did)
  const result = await action()
  const frames = (await t.firehose.waitFor(did, (fs) => fs.length >= prior.length + want)).slice(prior.length)
  o.add(`${label}: frames`, frames.map((f) => frameShape(f, t.ctx)))
  o.same(`${label}: chain`, await chainChecks(t, did, frames, prior))
  return { result, frames }
}

const admin = (t, body) => t.call('com.atproto.admin.updateSubjectStatus', { auth: 'admin', body })

export default [
  scenario('firehose.create-account', 'createAccount: #identity, #account, empty #commit, #sync', async (t, o) => {
    const input = t.accountInput('fa')
    let did
    const res = await t.call('com.atproto.server.createAccount', { body: input })
    did = res.json?.did
    const frames = await t.firehose.waitFor(did, (fs) => fs.length >= 4)
    o.add('frames', frames.map((f) => frameShape(f, t.ctx)))
    o.same('chain', await chainChecks(t, did, frames))
  }),

  scenario('firehose.create', 'createRecord: one #commit with a create op', async (t, o) => {
    const user = await t.createAccount('fc')
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    await observe(t, o, 'create', user.did, 1, () => t.createRecord(user, POST, post('firehose'), { rkey: '3kaaaaaaaaaa2' }))
  }),

  scenario('firehose.update', 'putRecord over a record: #commit with an update op and prev', async (t, o) => {
    const user = await t.createAccount('fu')
    await t.createRecord(user, POST, post('v1'), { rkey: '3kaaaaaaaaaa2' })
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 5)
    await observe(t, o, 'update', user.did, 1, () =>
      t.call('com.atproto.repo.putRecord', { auth: user.access, body: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2', record: post('v2') } }),
    )
  }),

  scenario('firehose.delete', 'deleteRecord: #commit with a delete op (cid null, prev set)', async (t, o) => {
    const user = await t.createAccount('fd')
    await t.createRecord(user, POST, post('doomed'), { rkey: '3kaaaaaaaaaa2' })
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 5)
    await observe(t, o, 'delete', user.did, 1, () =>
      t.call('com.atproto.repo.deleteRecord', { auth: user.access, body: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }),
    )
  }),

  scenario('firehose.apply-writes', 'applyWrites: one #commit with every op', async (t, o) => {
    const user = await t.createAccount('fw')
    await t.createRecord(user, POST, post('a'), { rkey: '3kaaaaaaaaaa2' })
    await t.createRecord(user, POST, post('b'), { rkey: '3kaaaaaaaaab2' })
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 6)
    const A = 'com.atproto.repo.applyWrites'
    await observe(t, o, 'applyWrites', user.did, 1, () =>
      t.call(A, {
        auth: user.access,
        body: {
          repo: user.did,
          writes: [
            { $type: `${A}#create`, collection: POST, rkey: '3kaaaaaaaaac2', value: post('c') },
            { $type: `${A}#update`, collection: POST, rkey: '3kaaaaaaaaaa2', value: post('a2') },
            { $type: `${A}#delete`, collection: POST, rkey: '3kaaaaaaaaab2' },
            { $type: `${A}#create`, collection: PROFILE, rkey: 'self', value: { $type: PROFILE, displayName: 'F' } },
          ],
        },
      }),
    )
  }),

  scenario('firehose.blob', 'a record with a blob: the #commit blobs field', async (t, o) => {
    const user = await t.createAccount('fb')
    const blob = (await t.call('com.atproto.repo.uploadBlob', { auth: user.access, body: tinyPNG, contentType: 'image/png' })).json?.blob
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    await observe(t, o, 'create', user.did, 1, () =>
      t.createRecord(user, POST, post('pic', { embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt: '' }] } })),
    )
  }),

  scenario('firehose.no-op-writes', 'writes that change nothing or fail emit nothing', async (t, o) => {
    const user = await t.createAccount('fn')
    const first = await t.createRecord(user, POST, post('same'), { rkey: '3kaaaaaaaaaa2' })
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 5)
    const before = t.firehose.framesFor(user.did).length
    await t.call('com.atproto.repo.putRecord', { auth: user.access, body: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2', record: post('same') } })
    await t.call('com.atproto.repo.deleteRecord', { auth: user.access, body: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaz2' } })
    // A valid CID that is not the head commit (the record's own).
    await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.did, collection: POST, record: post('x'), swapCommit: first.cid } })
    await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.did, collection: POST, record: { $type: POST } } })
    await new Promise((r) => setTimeout(r, 500))
    const frames = t.firehose.framesFor(user.did).slice(before)
    o.add('frames after no-op put, missing delete, bad swap, invalid record', frames.map((f) => frameShape(f, t.ctx)))
  }),

  scenario('firehose.deactivate', 'deactivateAccount then activateAccount', async (t, o) => {
    const user = await t.createAccount('fx')
    await t.createRecord(user, POST, post('before'), { rkey: '3kaaaaaaaaaa2' })
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 5)
    await observe(t, o, 'deactivate', user.did, 1, () => t.call('com.atproto.server.deactivateAccount', { auth: user.access, body: {} }))
    await observe(t, o, 'activate', user.did, 3, () => t.call('com.atproto.server.activateAccount', { auth: user.access, post: true }))
  }),

  scenario('firehose.handle-change', 'updateHandle: #identity with the new handle', async (t, o) => {
    const user = await t.createAccount('fh')
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    const handle = `${t.unique('fhn')}.test`
    await observe(t, o, 'updateHandle', user.did, 1, () =>
      t.call('com.atproto.identity.updateHandle', { auth: user.access, body: { handle } }),
    )
  }),

  scenario('firehose.plc-operation', 'submitPlcOperation: #identity', async (t, o) => {
    const user = await t.createAccount('fp')
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    const rec = (await t.call('com.atproto.identity.getRecommendedDidCredentials', { auth: user.access })).json
    const { token } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.identity.requestPlcOperationSignature', { auth: user.access, post: true }),
    )
    const { Secp256k1Keypair } = await load('@atproto/crypto')
    const extra = (await Secp256k1Keypair.create()).did()
    const op = (await t.call('com.atproto.identity.signPlcOperation', {
      auth: user.access,
      body: { token, ...rec, rotationKeys: [extra, ...(rec?.rotationKeys ?? [])] },
    })).json?.operation
    await observe(t, o, 'submitPlcOperation', user.did, 1, () =>
      t.call('com.atproto.identity.submitPlcOperation', { auth: user.access, body: { operation: op } }),
    )
  }),

  scenario('firehose.takedown', 'admin takedown and its reversal: #account frames', async (t, o) => {
    const user = await t.createAccount('ft')
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    const subject = { $type: 'com.atproto.admin.defs#repoRef', did: user.did }
    await observe(t, o, 'takedown', user.did, 1, () => admin(t, { subject, takedown: { applied: true, ref: 'interop-1' } }))
    await observe(t, o, 'reversal', user.did, 1, () => admin(t, { subject, takedown: { applied: false } }))
  }),

  scenario('firehose.delete-account', 'deleteAccount: #account deleted', async (t, o) => {
    const user = await t.createAccount('fdel')
    await t.firehose.waitFor(user.did, (fs) => fs.length >= 4)
    const { token } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.server.requestAccountDelete', { auth: user.access, post: true }),
    )
    await observe(t, o, 'deleteAccount', user.did, 1, () =>
      t.call('com.atproto.server.deleteAccount', { body: { did: user.did, password: user.password, token } }),
    )
  }),

  scenario('firehose.cursor-replay', 'a cursor replays the events after it, in order', async (t, o) => {
    const user = await t.createAccount('fr')
    await t.createRecord(user, POST, post('one'), { rkey: '3kaaaaaaaaaa2' })
    await t.createRecord(user, POST, post('two'), { rkey: '3kaaaaaaaaab2' })
    const live = await t.firehose.waitFor(user.did, (fs) => fs.length >= 6)
    const cursor = live[0].body.seq - 1
    const { frames, closed } = await collect(t.firehose.url, { cursor }, {
      until: (fs) => fs.filter((f) => f.body?.repo === user.did || f.body?.did === user.did).length >= live.length,
    })
    const mine = frames.filter((f) => f.body?.repo === user.did || f.body?.did === user.did)
    o.add('replayed frames', mine.map((f) => frameShape(f, t.ctx)))
    o.same('replay starts after the cursor', frames[0]?.body?.seq === cursor + 1)
    o.same('replay equals live', mine.map((f) => f.body.seq).join() === live.map((f) => f.body.seq).join())
    o.same('connection stays open', closed === null)
  }),

  scenario('firehose.future-cursor', 'a cursor past the last event: FutureCursor error frame, then close', async (t, o) => {
    await t.createAccount('ffc')
    const { frames, closed, openError } = await collect(t.firehose.url, { cursor: t.firehose.lastSeq() + 100000 }, { timeoutMs: 3000 })
    o.add('frames', frames.map((f) => ({ header: shape(f.header), body: shape(f.body, t.ctx) })))
    o.same('closed by the server', closed !== null)
    o.same('opened', openError === undefined)
  }),

  scenario('firehose.http-get', 'subscribeRepos as a plain HTTP GET (no upgrade)', async (t, o) => {
    const res = await t.call('com.atproto.sync.subscribeRepos')
    o.val('status', { status: res.status, error: res.json?.error ?? null })
  }),
]
