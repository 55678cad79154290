// repo.mjs: every com.atproto.repo method, with swaps, validation modes
// and their errors. Records have fixed contents, so their CIDs (and the
// MST root over fixed keys) must be the same on both servers.
import { POST, PROFILE, post, scenario } from '../lib/scenario.mjs'

const APPLY = 'com.atproto.repo.applyWrites'
const rkeyOf = (uri) => uri?.split('/').pop()

function repoCall(t, user) {
  const call = (nsid, body) => t.call(nsid, { auth: user.access, body: { repo: user.did, ...body } })
  return {
    create: (collection, record, extra = {}) => call('com.atproto.repo.createRecord', { collection, record, ...extra }),
    put: (collection, rkey, record, extra = {}) => call('com.atproto.repo.putRecord', { collection, rkey, record, ...extra }),
    del: (collection, rkey, extra = {}) => call('com.atproto.repo.deleteRecord', { collection, rkey, ...extra }),
    apply: (writes, extra = {}) => call(APPLY, { writes, ...extra }),
    get: (collection, rkey, extra = {}) =>
      t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection, rkey, ...extra } }),
    list: (collection, extra = {}) =>
      t.call('com.atproto.repo.listRecords', { params: { repo: user.did, collection, ...extra } }),
    head: async () => (await t.call('com.atproto.sync.getLatestCommit', { params: { did: user.did } })).json,
  }
}

const createOp = (collection, value, rkey) => ({ $type: `${APPLY}#create`, collection, value, ...(rkey ? { rkey } : {}) })
const updateOp = (collection, rkey, value) => ({ $type: `${APPLY}#update`, collection, rkey, value })
const deleteOp = (collection, rkey) => ({ $type: `${APPLY}#delete`, collection, rkey })

export default [
  scenario('repo.create', 'createRecord of a valid post; getRecord returns it', async (t, o) => {
    const user = await t.createAccount('rc')
    const r = repoCall(t, user)
    const res = o.res('createRecord', await r.create(POST, post('hello world')))
    o.same('record CID (same bytes on both)', res.json?.cid)
    o.res('getRecord', await r.get(POST, rkeyOf(res.json?.uri)))
    o.res('getRecord with its cid', await r.get(POST, rkeyOf(res.json?.uri), { cid: res.json?.cid }))
  }),

  scenario('repo.create.rkey', 'createRecord with an explicit rkey, then again with the same rkey', async (t, o) => {
    const user = await t.createAccount('rk')
    const r = repoCall(t, user)
    o.res('explicit TID rkey', await r.create(POST, post('one'), { rkey: '3kaaaaaaaaaa2' }))
    o.res('same rkey again', await r.create(POST, post('two'), { rkey: '3kaaaaaaaaaa2' }))
    o.res('non-TID rkey for a tid collection', await r.create(POST, post('three'), { rkey: 'not-a-tid' }))
  }),

  scenario('repo.create.bad-rkey', 'createRecord with invalid record keys', async (t, o) => {
    const user = await t.createAccount('rb')
    const r = repoCall(t, user)
    const other = { $type: 'com.example.thing', n: 1 }
    o.res('dot-dot', await r.create('com.example.thing', other, { rkey: '..' }))
    o.res('slash', await r.create('com.example.thing', other, { rkey: 'a/b' }))
    o.res('too long', await r.create('com.example.thing', other, { rkey: 'a'.repeat(513) }))
    o.res('bad characters', await r.create('com.example.thing', other, { rkey: 'a b' }))
    o.res('profile not self', await r.create(PROFILE, { $type: PROFILE, displayName: 'x' }, { rkey: 'other' }))
  }),

  scenario('repo.create.type', 'createRecord without $type, and with a $type that is not the collection', async (t, o) => {
    const user = await t.createAccount('rt')
    const r = repoCall(t, user)
    const untyped = await r.create(POST, { text: 'untyped', createdAt: '2024-01-02T03:04:05.678Z' })
    o.res('no $type', untyped)
    o.res('getRecord of it', await r.get(POST, rkeyOf(untyped.json?.uri)))
    o.res('$type mismatch', await r.create(POST, { ...post('x'), $type: 'app.bsky.feed.like' }))
  }),

  scenario('repo.create.invalid', 'createRecord of posts that fail the lexicon', async (t, o) => {
    const user = await t.createAccount('ri')
    const r = repoCall(t, user)
    o.res('no createdAt', await r.create(POST, { $type: POST, text: 'x' }))
    o.res('text is a number', await r.create(POST, { $type: POST, text: 5, createdAt: '2024-01-02T03:04:05.678Z' }))
    o.res('text too long', await r.create(POST, post('a'.repeat(3001))))
    o.res('bad datetime', await r.create(POST, { $type: POST, text: 'x', createdAt: 'yesterday' }))
    o.res('bad embed type', await r.create(POST, post('x', { embed: { $type: 'app.bsky.embed.nothing' } })))
    o.res('bad langs', await r.create(POST, post('x', { langs: ['not a lang!'] })))
  }),

  scenario('repo.create.data-model', 'createRecord with values outside the data model', async (t, o) => {
    const user = await t.createAccount('rd')
    const r = repoCall(t, user)
    const c = 'com.example.thing'
    o.res('float', await r.create(c, { $type: c, n: 1.5 }))
    o.res('bytes and link', await r.create(c, { $type: c, b: { $bytes: 'aGVsbG8' }, l: { $link: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' } }))
    o.res('bad link', await r.create(c, { $type: c, l: { $link: 'not-a-cid' } }))
    o.res('integral float', await r.create(c, { $type: c, n: 2.0 }))
    o.res('large integer', await r.create(c, { $type: c, n: 9007199254740991 }))
  }),

  scenario('repo.create.validation-modes', 'validate true, false and unset, on known and unknown collections', async (t, o) => {
    const user = await t.createAccount('rv')
    const r = repoCall(t, user)
    const thing = { $type: 'com.example.thing', anything: 'goes' }
    o.res('unknown collection, validate unset', await r.create('com.example.thing', thing))
    o.res('unknown collection, validate true', await r.create('com.example.thing', thing, { validate: true }))
    o.res('unknown collection, validate false', await r.create('com.example.thing', thing, { validate: false }))
    o.res('invalid post, validate false', await r.create(POST, { $type: POST, text: 5 }, { validate: false }))
    o.res('valid post, validate true', await r.create(POST, post('ok'), { validate: true }))
    o.res('unknown fields in a valid post', await r.create(POST, post('extra', { madeUp: { x: 1 } })))
  }),

  scenario('repo.create.auth', 'createRecord without a session, into another repo, and by handle', async (t, o) => {
    const user = await t.createAccount('ra')
    const other = await t.createAccount('rao')
    o.res('no auth', await t.call('com.atproto.repo.createRecord', { body: { repo: user.did, collection: POST, record: post('x') } }))
    o.res(
      "another account's repo",
      await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: other.did, collection: POST, record: post('x') } }),
    )
    o.res(
      'own repo by handle',
      await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.handle, collection: POST, record: post('x') } }),
    )
    o.res(
      'unknown repo',
      await t.call('com.atproto.repo.createRecord', {
        auth: user.access,
        body: { repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', collection: POST, record: post('x') },
      }),
    )
  }),

  scenario('repo.create.swap-commit', 'createRecord with the current and a stale swapCommit', async (t, o) => {
    const user = await t.createAccount('rs')
    const r = repoCall(t, user)
    const head0 = await r.head()
    o.res('current swapCommit', await r.create(POST, post('one'), { swapCommit: head0.cid }))
    o.res('stale swapCommit', await r.create(POST, post('two'), { swapCommit: head0.cid }))
    o.res('malformed swapCommit', await r.create(POST, post('three'), { swapCommit: 'nope' }))
    o.res('listRecords', await r.list(POST))
  }),

  scenario('repo.create.race', 'two writes racing on one swapCommit: one commits', async (t, o) => {
    const user = await t.createAccount('rr')
    const r = repoCall(t, user)
    const head0 = await r.head()
    const results = await Promise.all([
      r.create(POST, post('racer a'), { swapCommit: head0.cid }),
      r.create(POST, post('racer b'), { swapCommit: head0.cid }),
    ])
    o.same('outcomes', results.map((x) => `${x.status} ${x.json?.error ?? ''}`.trim()).sort())
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => r.create(POST, post(`parallel ${i}`))))
    o.same('parallel writes without swaps', many.map((x) => x.status))
    const list = await r.list(POST, { limit: 100 })
    // Which racer wins is timing, on either server: compare the texts
    // with the winner's left out, and that exactly one racer is there.
    const texts = (list.json?.records ?? []).map((x) => x.value?.text)
    o.same('one racer stored', texts.filter((x) => x?.startsWith('racer ')).length)
    o.same('records, by text', texts.filter((x) => !x?.startsWith('racer ')).sort())
  }),

  scenario('repo.put', 'putRecord creates, updates, and of the same value', async (t, o) => {
    const user = await t.createAccount('rp')
    const r = repoCall(t, user)
    const created = o.res('create profile', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'First' }))
    o.same('profile CID', created.json?.cid)
    const updated = o.res('update profile', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'Second' }))
    o.same('updated CID', updated.json?.cid)
    o.res('same value again', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'Second' }))
    o.res('getRecord', await r.get(PROFILE, 'self'))
    o.res('put a post under a TID', await r.put(POST, '3kaaaaaaaaaa2', post('put')))
    o.res('profile under another key', await r.put(PROFILE, 'other', { $type: PROFILE, displayName: 'x' }))
    o.res('invalid value', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 5 }))
  }),

  scenario('repo.put.swaps', 'putRecord with swapRecord and swapCommit', async (t, o) => {
    const user = await t.createAccount('rq')
    const r = repoCall(t, user)
    const first = (await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'A' })).json
    o.res('current swapRecord', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'B' }, { swapRecord: first?.cid }))
    o.res('stale swapRecord', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'C' }, { swapRecord: first?.cid }))
    o.res('swapRecord null over an existing record', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'D' }, { swapRecord: null }))
    o.res('swapRecord null for a new record', await r.put(POST, '3kaaaaaaaaab2', post('new'), { swapRecord: null }))
    o.res('stale swapCommit', await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'E' }, { swapCommit: first?.commit?.cid }))
    o.res('getRecord', await r.get(PROFILE, 'self'))
  }),

  scenario('repo.delete', 'deleteRecord: existing, missing, with swaps', async (t, o) => {
    const user = await t.createAccount('rx')
    const r = repoCall(t, user)
    const a = (await r.create(POST, post('a'), { rkey: '3kaaaaaaaaaa2' })).json
    const b = (await r.create(POST, post('b'), { rkey: '3kaaaaaaaaab2' })).json
    o.res('stale swapRecord', await r.del(POST, '3kaaaaaaaaaa2', { swapRecord: b?.cid }))
    o.res('stale swapCommit', await r.del(POST, '3kaaaaaaaaaa2', { swapCommit: a?.commit?.cid }))
    o.res('current swapRecord', await r.del(POST, '3kaaaaaaaaaa2', { swapRecord: a?.cid }))
    o.res('getRecord after delete', await r.get(POST, '3kaaaaaaaaaa2'))
    o.res('missing record', await r.del(POST, '3kaaaaaaaaac2'))
    o.res('delete b', await r.del(POST, '3kaaaaaaaaab2'))
    o.res('listRecords', await r.list(POST))
  }),

  scenario('repo.apply-writes', 'applyWrites creates, updates and deletes in one commit', async (t, o) => {
    const user = await t.createAccount('aw')
    const r = repoCall(t, user)
    await r.create(POST, post('to update'), { rkey: '3kaaaaaaaaaa2' })
    await r.create(POST, post('to delete'), { rkey: '3kaaaaaaaaab2' })
    const head = await r.head()
    const res = await r.apply(
      [
        createOp(POST, post('batch one')),
        createOp(POST, post('batch two'), '3kaaaaaaaaac2'),
        updateOp(POST, '3kaaaaaaaaaa2', post('updated')),
        deleteOp(POST, '3kaaaaaaaaab2'),
        createOp(PROFILE, { $type: PROFILE, displayName: 'batched' }, 'self'),
      ],
      { swapCommit: head.cid },
    )
    o.res('applyWrites', res)
    o.same('result CIDs', res.json?.results?.map((x) => x.cid ?? null))
    o.res('listRecords', await r.list(POST))
  }),

  scenario('repo.apply-writes.errors', 'applyWrites refusals write nothing', async (t, o) => {
    const user = await t.createAccount('ae')
    const r = repoCall(t, user)
    const first = (await r.create(POST, post('exists'), { rkey: '3kaaaaaaaaaa2' })).json
    await r.create(POST, post('moves the head'))
    o.res('stale swapCommit', await r.apply([createOp(POST, post('x'))], { swapCommit: first?.commit?.cid }))
    o.res('one invalid record', await r.apply([createOp(POST, post('fine')), createOp(POST, { $type: POST, text: 5, createdAt: 'x' })]))
    o.res('update of a missing record', await r.apply([updateOp(POST, '3kaaaaaaaaaz2', post('x'))]))
    o.res('delete of a missing record', await r.apply([deleteOp(POST, '3kaaaaaaaaaz2')]))
    o.res('create of an existing record', await r.apply([createOp(POST, post('again'), '3kaaaaaaaaaa2')]))
    o.res('unknown write type', await r.apply([{ $type: `${APPLY}#upsert`, collection: POST, rkey: '3kaaaaaaaaay2', value: post('x') }]))
    o.res('listRecords', await r.list(POST))
  }),

  scenario('repo.apply-writes.limits', 'applyWrites of 200 writes is accepted, 201 refused', async (t, o) => {
    const user = await t.createAccount('al')
    const r = repoCall(t, user)
    const ops = (n, p) => Array.from({ length: n }, (_, i) => createOp('com.example.thing', { $type: 'com.example.thing', i }, `${p}${i}`))
    o.res('201 writes', await r.apply(ops(201, 'x')))
    const res = await r.apply(ops(200, 'y'))
    o.res('200 writes', res)
    o.res('listRecords', await r.list('com.example.thing', { limit: 100 }))
  }),

  scenario('repo.get-record', 'getRecord: found, other cid, missing, unknown repo, by handle', async (t, o) => {
    const user = await t.createAccount('gr')
    const r = repoCall(t, user)
    const c = (await r.create(POST, post('read me'), { rkey: '3kaaaaaaaaaa2' })).json
    const other = (await r.create(POST, post('other'), { rkey: '3kaaaaaaaaab2' })).json
    o.res('found', await r.get(POST, '3kaaaaaaaaaa2'))
    o.res('with another cid', await r.get(POST, '3kaaaaaaaaaa2', { cid: other?.cid }))
    o.res('with its cid', await r.get(POST, '3kaaaaaaaaaa2', { cid: c?.cid }))
    o.res('missing rkey', await r.get(POST, '3kaaaaaaaaaz2'))
    o.res('missing collection', await r.get('com.example.none', '3kaaaaaaaaaa2'))
    o.res(
      'unknown repo',
      await t.call('com.atproto.repo.getRecord', { params: { repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', collection: POST, rkey: '3kaaaaaaaaaa2' } }),
    )
    o.res('by handle', await t.call('com.atproto.repo.getRecord', { params: { repo: user.handle, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
    o.res('unknown handle', await t.call('com.atproto.repo.getRecord', { params: { repo: 'nobody-x.test', collection: POST, rkey: '3kaaaaaaaaaa2' } }))
  }),

  scenario('repo.list-records', 'listRecords pages newest first, reverse oldest first', async (t, o) => {
    const user = await t.createAccount('lr')
    const r = repoCall(t, user)
    const keys = ['3kaaaaaaaaaa2', '3kaaaaaaaaab2', '3kaaaaaaaaac2', '3kaaaaaaaaad2', '3kaaaaaaaaae2']
    for (const k of keys) await r.create(POST, post(`record ${k}`), { rkey: k })
    const pages = []
    let cursor
    for (let i = 0; i < 6; i++) {
      const res = await r.list(POST, { limit: 2, cursor })
      o.res(`page ${i}`, res)
      pages.push(...(res.json?.records ?? []).map((x) => rkeyOf(x.uri)))
      cursor = res.json?.cursor
      if (!cursor || !res.json?.records?.length) break
    }
    o.same('order of rkeys', pages)
    const rev = await r.list(POST, { reverse: true })
    o.res('reverse', rev)
    o.same('reverse order', rev.json?.records?.map((x) => rkeyOf(x.uri)))
    const revPage = await r.list(POST, { reverse: true, limit: 2 })
    o.same('reverse page 0', revPage.json?.records?.map((x) => rkeyOf(x.uri)))
    const revNext = await r.list(POST, { reverse: true, limit: 2, cursor: revPage.json?.cursor })
    o.same('reverse page 1', revNext.json?.records?.map((x) => rkeyOf(x.uri)))
    o.res('empty collection', await r.list('com.example.none'))
    o.res('limit 0', await r.list(POST, { limit: 0 }))
    o.res(
      'unknown repo',
      await t.call('com.atproto.repo.listRecords', { params: { repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', collection: POST } }),
    )
  }),

  scenario('repo.describe', 'describeRepo by DID and by handle; unknown repo', async (t, o) => {
    const user = await t.createAccount('dr')
    const r = repoCall(t, user)
    o.res('new account', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    await r.create(POST, post('x'))
    await r.put(PROFILE, 'self', { $type: PROFILE, displayName: 'D' })
    await r.create('com.example.thing', { $type: 'com.example.thing' })
    o.res('by DID', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    o.res('by handle', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.handle } }))
    o.res('unknown DID', await t.call('com.atproto.repo.describeRepo', { params: { repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' } }))
    o.res('unknown handle', await t.call('com.atproto.repo.describeRepo', { params: { repo: 'nobody-x.test' } }))
  }),

  scenario('repo.mst-root', 'the same records under the same keys give the same MST root', async (t, o) => {
    const user = await t.createAccount('mr')
    const r = repoCall(t, user)
    const writes = []
    const A = '234567abcdefghijklmnopqrstuvwxyz'
    for (let i = 0; i < 40; i++) writes.push(createOp(POST, post(`mst ${i}`), `3kaaaaaaaaa${A[i >> 5]}${A[i % 32]}`))
    await r.apply(writes)
    await r.del(POST, writes[3].rkey)
    await r.put(POST, writes[5].rkey, post('changed'))
    const car = await t.call('com.atproto.sync.getRepo', { params: { did: user.did } })
    const { readCarSummary } = await import('../lib/firehose.mjs')
    const sum = await readCarSummary(car.bytes)
    o.same('MST root (commit data)', sum.commit?.data?.toString())
    o.same('MST node count', sum.kinds?.mst)
  }),

  scenario('repo.import', "importRepo of the account's own CAR, of another account's CAR, and of garbage", async (t, o) => {
    const user = await t.createAccount('ri')
    const r = repoCall(t, user)
    for (const k of ['3kaaaaaaaaaa2', '3kaaaaaaaaab2', '3kaaaaaaaaac2']) await r.create(POST, post(`import ${k}`), { rkey: k })
    const car = (await t.call('com.atproto.sync.getRepo', { params: { did: user.did } })).bytes
    const before = await r.head()
    const imp = (who, body) =>
      t.call('com.atproto.repo.importRepo', { auth: who.access, body, contentType: 'application/vnd.ipld.car' })
    const prior = t.firehose.framesFor(user.did).length
    o.res('own CAR', await imp(user, car))
    const { frameShape } = await import('./firehose.mjs')
    const frames = (await t.firehose.waitFor(user.did, (fs) => fs.length > prior)).slice(prior)
    o.add('firehose frames', frames.map((f) => frameShape(f, t.ctx)))
    const after = await r.head()
    o.same('a new revision', !!after?.rev && after.rev > before.rev)
    o.res('listRecords', await r.list(POST))
    const other = await t.createAccount('rio')
    o.res("another account's CAR", await imp(other, car))
    o.res('not a CAR', await imp(user, new TextEncoder().encode('not a car file')))
    o.res('no auth', await t.call('com.atproto.repo.importRepo', { body: car, contentType: 'application/vnd.ipld.car' }))
  }),

  scenario('repo.list-missing-blobs', 'listMissingBlobs of an account without missing blobs', async (t, o) => {
    const user = await t.createAccount('lm')
    o.res('listMissingBlobs', await t.call('com.atproto.repo.listMissingBlobs', { auth: user.access }))
    o.res('without auth', await t.call('com.atproto.repo.listMissingBlobs'))
  }),

  scenario('repo.record-size', 'a record over the size limits', async (t, o) => {
    const user = await t.createAccount('rz')
    const r = repoCall(t, user)
    const c = 'com.example.thing'
    o.res('about 1.1 MB of text', await r.create(c, { $type: c, s: 'a'.repeat(1_100_000) }))
    o.res('about 500 kB of text', await r.create(c, { $type: c, s: 'b'.repeat(500_000) }))
  }),
]
