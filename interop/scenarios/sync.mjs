// sync.mjs: the com.atproto.sync HTTP methods. CARs are reduced to their
// roots and kinds of blocks; whole repos and record proofs are verified
// with @atproto/repo against the account's key in the PLC directory.
import { readCarSummary } from '../lib/firehose.mjs'
import { shape } from '../lib/fingerprint.mjs'
import { POST, PROFILE, post, scenario } from '../lib/scenario.mjs'

const NO_DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'

async function withRecords(t, prefix, n = 3) {
  const user = await t.createAccount(prefix)
  const commits = []
  for (let i = 0; i < n; i++) {
    commits.push(await t.createRecord(user, POST, post(`sync ${i}`), { rkey: `3kaaaaaaaaaa${'234567'[i]}` }))
  }
  return { user, commits }
}

export default [
  scenario('sync.get-repo', 'getRepo: a full CAR that verifies', async (t, o) => {
    const { user } = await withRecords(t, 'sr')
    await t.call('com.atproto.repo.putRecord', {
      auth: user.access,
      body: { repo: user.did, collection: PROFILE, rkey: 'self', record: { $type: PROFILE, displayName: 'S' } },
    })
    const res = await t.call('com.atproto.sync.getRepo', { params: { did: user.did } })
    await o.car('getRepo', res, { verifyRepo: { did: user.did }, exactMst: true })
    const sum = await readCarSummary(res.bytes)
    o.same('MST root', sum.commit?.data?.toString())
  }),

  scenario('sync.get-repo.since', 'getRepo since a revision: a diff CAR', async (t, o) => {
    const { user, commits } = await withRecords(t, 'ss', 4)
    await o.car('since the second commit', await t.call('com.atproto.sync.getRepo', { params: { did: user.did, since: commits[1].commit.rev } }))
    await o.car('since the head', await t.call('com.atproto.sync.getRepo', { params: { did: user.did, since: commits[3].commit.rev } }))
  }),

  scenario('sync.get-repo.errors', 'getRepo of unknown and malformed DIDs', async (t, o) => {
    o.res('unknown DID', await t.call('com.atproto.sync.getRepo', { params: { did: NO_DID } }))
    o.res('malformed DID', await t.call('com.atproto.sync.getRepo', { params: { did: 'nope' } }))
    o.res('no DID', await t.call('com.atproto.sync.getRepo'))
  }),

  scenario('sync.get-latest-commit', 'getLatestCommit follows writes', async (t, o) => {
    const { user, commits } = await withRecords(t, 'sl', 2)
    const res = o.res('getLatestCommit', await t.call('com.atproto.sync.getLatestCommit', { params: { did: user.did } }))
    o.same('is the last write', res.json?.cid === commits[1].commit.cid && res.json?.rev === commits[1].commit.rev)
    o.res('unknown DID', await t.call('com.atproto.sync.getLatestCommit', { params: { did: NO_DID } }))
  }),

  scenario('sync.get-record', 'getRecord proofs of presence and absence', async (t, o) => {
    const { user } = await withRecords(t, 'sg', 3)
    const rkey = '3kaaaaaaaaaa3'
    await o.car('present', await t.call('com.atproto.sync.getRecord', { params: { did: user.did, collection: POST, rkey } }), {
      verifyRecord: { did: user.did, collection: POST, rkey },
    })
    await o.car('absent', await t.call('com.atproto.sync.getRecord', { params: { did: user.did, collection: POST, rkey: '3kaaaaaaaaaz2' } }), {
      verifyRecord: { did: user.did, collection: POST, rkey: '3kaaaaaaaaaz2' },
    })
    o.res('unknown repo', await t.call('com.atproto.sync.getRecord', { params: { did: NO_DID, collection: POST, rkey } }))
  }),

  scenario('sync.get-blocks', 'getBlocks of known and unknown CIDs', async (t, o) => {
    const { user, commits } = await withRecords(t, 'sb', 2)
    await o.car('commit and record', await t.call('com.atproto.sync.getBlocks', { params: { did: user.did, cids: [commits[1].commit.cid, commits[0].cid] } }))
    o.res('an unknown CID', await t.call('com.atproto.sync.getBlocks', {
      params: { did: user.did, cids: ['bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'] },
    }))
    o.res('unknown repo', await t.call('com.atproto.sync.getBlocks', { params: { did: NO_DID, cids: [commits[0].cid] } }))
  }),

  scenario('sync.list-repos', 'listRepos pages through every account; item shapes by status', async (t, o) => {
    const user = await t.createAccount('slr')
    const first = o.res('limit 2', await t.call('com.atproto.sync.listRepos', { params: { limit: 2 } }), {
      pick: (j) => ({ ...j, repos: (j.repos ?? []).length }),
    })
    o.same('limit 2 gives a cursor', typeof first.json?.cursor === 'string')
    // Paging order is the server's own: compare what the pages hold.
    const seen = []
    let cursor
    for (let i = 0; i < 50; i++) {
      const page = await t.call('com.atproto.sync.listRepos', { params: { limit: 100, cursor } })
      if (!page.ok) {
        o.res('page failed', page)
        break
      }
      seen.push(...page.json.repos)
      cursor = page.json.cursor
      if (!cursor || !page.json.repos.length) break
    }
    o.same('no repo twice', new Set(seen.map((r) => r.did)).size === seen.length)
    o.same('the new account is listed', seen.some((r) => r.did === user.did))
    const kinds = new Map()
    for (const r of seen) {
      const fp = JSON.stringify(shape(r, t.ctx))
      kinds.set(fp, r)
    }
    o.add('item shapes', [...kinds.keys()].sort().map((k) => JSON.parse(k)))
    o.res('limit 0', await t.call('com.atproto.sync.listRepos', { params: { limit: 0 } }))
  }),

  scenario('sync.get-repo-status', 'getRepoStatus of an active and an unknown account', async (t, o) => {
    const { user } = await withRecords(t, 'sst', 1)
    o.res('active', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
    o.res('unknown', await t.call('com.atproto.sync.getRepoStatus', { params: { did: NO_DID } }))
  }),

  scenario('sync.deprecated', 'getHead and getCheckout (deprecated)', async (t, o) => {
    const { user } = await withRecords(t, 'sdp', 1)
    o.res('getHead', await t.call('com.atproto.sync.getHead', { params: { did: user.did } }))
    await o.car('getCheckout', await t.call('com.atproto.sync.getCheckout', { params: { did: user.did } }))
  }),
]
