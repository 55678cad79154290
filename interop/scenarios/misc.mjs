// misc.mjs: preferences, getServiceAuth, reserveSigningKey, and the
// official client (@atproto/api) doing what apps do: login, resume,
// post, upload, profile upsert, delete, logout.
import { load } from '../lib/modules.mjs'
import { POST, post, scenario, tinyPNG } from '../lib/scenario.mjs'
import { jwtShape } from './accounts.mjs'

const PREF = 'app.bsky.actor.defs#'

/** clientCall runs fn and fingerprints its outcome as the client sees it. */
async function clientCall(o, label, fn, pick = (r) => r?.data) {
  try {
    const r = await fn()
    o.val(label, { ok: true, data: pick(r) ?? null })
    return r
  } catch (err) {
    o.val(label, { ok: false, status: err.status ?? null, error: err.error ?? err.name ?? 'Error' })
    return undefined
  }
}

export default [
  scenario('prefs', 'getPreferences and putPreferences', async (t, o) => {
    const user = await t.createAccount('pf')
    const get = () => t.call('app.bsky.actor.getPreferences', { auth: user.access })
    o.res('empty', await get())
    const prefs = [
      { $type: `${PREF}adultContentPref`, enabled: false },
      { $type: `${PREF}savedFeedsPrefV2`, items: [] },
    ]
    o.res('put', await t.call('app.bsky.actor.putPreferences', { auth: user.access, body: { preferences: prefs } }))
    o.res('get', await get())
    o.res('put a foreign $type', await t.call('app.bsky.actor.putPreferences', { auth: user.access, body: { preferences: [{ $type: 'com.example.pref' }] } }))
    o.res('put without $type', await t.call('app.bsky.actor.putPreferences', { auth: user.access, body: { preferences: [{ enabled: true }] } }))
    o.res('no auth', await t.call('app.bsky.actor.getPreferences'))
  }),

  scenario('server.service-auth', 'getServiceAuth: tokens and refusals', async (t, o) => {
    const user = await t.createAccount('sa')
    const get = (params) => t.call('com.atproto.server.getServiceAuth', { auth: user.access, params })
    const res = o.res('with lxm', await get({ aud: 'did:web:feed.invalid', lxm: 'app.bsky.feed.getFeedSkeleton' }))
    o.val('token', jwtShape(res.json?.token))
    o.res('without lxm', await get({ aud: 'did:web:feed.invalid' }))
    o.res('protected method', await get({ aud: 'did:web:feed.invalid', lxm: 'com.atproto.identity.updateHandle' }))
    o.res('exp too far', await get({ aud: 'did:web:feed.invalid', lxm: 'app.bsky.feed.getFeedSkeleton', exp: Math.floor(Date.now() / 1000) + 7200 }))
    o.res('exp in the past', await get({ aud: 'did:web:feed.invalid', exp: Math.floor(Date.now() / 1000) - 60 }))
    o.res('no auth', await t.call('com.atproto.server.getServiceAuth', { params: { aud: 'did:web:feed.invalid' } }))
  }),

  scenario('proxy.app-view', 'calls forwarded to the configured app view (unreachable here: both must fail alike)', async (t, o) => {
    const user = await t.createAccount('px')
    o.res('getProfile with a session', await t.call('app.bsky.actor.getProfile', { auth: user.access, params: { actor: user.did } }))
    o.res('getProfile without a session', await t.call('app.bsky.actor.getProfile', { params: { actor: user.did } }))
    o.res('getTimeline', await t.call('app.bsky.feed.getTimeline', { auth: user.access }))
    o.res('a procedure: app.bsky.graph.muteActor', await t.call('app.bsky.graph.muteActor', { auth: user.access, body: { actor: user.did } }))
    o.res('chat without a chat service', await t.call('chat.bsky.convo.listConvos', { auth: user.access }))
    o.res('an unknown com.atproto method with a session', await t.call('com.atproto.nothing.here', { auth: user.access }))
  }),

  scenario('server.reserve-signing-key', 'reserveSigningKey', async (t, o) => {
    o.res('reserveSigningKey', await t.call('com.atproto.server.reserveSigningKey', { body: {} }))
  }),

  scenario('client.session', '@atproto/api: login, resumeSession, refresh, logout', async (t, o) => {
    const { AtpAgent } = await load('@atproto/api')
    const user = await t.createAccount('cl')
    const agent = new AtpAgent({ service: t.url })
    await clientCall(o, 'login', () => agent.login({ identifier: user.handle, password: user.password }))
    const saved = agent.session
    const resumed = new AtpAgent({ service: t.url })
    await clientCall(o, 'resumeSession', () => resumed.resumeSession(saved))
    await clientCall(o, 'refreshSession', () => resumed.sessionManager.refreshSession(), () => ({ hasSession: resumed.hasSession }))
    await clientCall(o, 'getSession after refresh', () => resumed.com.atproto.server.getSession())
    await clientCall(o, 'logout', () => resumed.logout(), () => ({ hasSession: resumed.hasSession }))
    await clientCall(o, 'getSession after logout', () => resumed.com.atproto.server.getSession())
  }),

  scenario('client.posting', '@atproto/api: post, like, repost, deletePost', async (t, o) => {
    const { AtpAgent } = await load('@atproto/api')
    const user = await t.createAccount('cp')
    const agent = new AtpAgent({ service: t.url })
    await agent.login({ identifier: user.handle, password: user.password })
    const p = await clientCall(o, 'post', () => agent.post({ text: 'from the client', createdAt: '2024-01-02T03:04:05.678Z' }), (r) => r)
    await clientCall(o, 'like', () => agent.like(p?.uri, p?.cid), (r) => r)
    await clientCall(o, 'repost', () => agent.repost(p?.uri, p?.cid), (r) => r)
    await clientCall(o, 'getPost', () => agent.getPost({ repo: user.did, rkey: p?.uri.split('/').pop() }), (r) => r)
    await clientCall(o, 'deletePost', () => agent.deletePost(p?.uri), () => 'done')
    await clientCall(o, 'getPost after delete', () => agent.getPost({ repo: user.did, rkey: p?.uri.split('/').pop() }), (r) => r)
  }),

  scenario('client.profile', '@atproto/api: uploadBlob and upsertProfile (getRecord + putRecord with swapRecord)', async (t, o) => {
    const { AtpAgent } = await load('@atproto/api')
    const user = await t.createAccount('cpr')
    const agent = new AtpAgent({ service: t.url })
    await agent.login({ identifier: user.handle, password: user.password })
    const up = await clientCall(o, 'uploadBlob', () => agent.uploadBlob(tinyPNG, { encoding: 'image/png' }), (r) => ({
      ref: r.data.blob.ref.toString(),
      mimeType: r.data.blob.mimeType,
      size: r.data.blob.size,
    }))
    await clientCall(o, 'upsertProfile (create)', () => agent.upsertProfile(() => ({ displayName: 'Client', avatar: up?.data.blob })), () => 'done')
    await clientCall(o, 'upsertProfile (update)', () => agent.upsertProfile((old) => ({ ...old, description: 'updated' })), () => 'done')
    await clientCall(o, 'getRecord', () => agent.com.atproto.repo.getRecord({ repo: user.did, collection: 'app.bsky.actor.profile', rkey: 'self' }))
  }),

  scenario('client.errors', '@atproto/api: XRPC errors as the client surfaces them', async (t, o) => {
    const { AtpAgent } = await load('@atproto/api')
    const user = await t.createAccount('ce')
    const agent = new AtpAgent({ service: t.url })
    await clientCall(o, 'login with a wrong password', () => agent.login({ identifier: user.handle, password: 'wrong' }))
    await agent.login({ identifier: user.handle, password: user.password })
    await clientCall(o, 'getRecord of a missing record', () => agent.com.atproto.repo.getRecord({ repo: user.did, collection: POST, rkey: '3kaaaaaaaaaz2' }))
    await clientCall(o, 'createRecord with a stale swapCommit', async () => {
      const first = await agent.com.atproto.repo.createRecord({ repo: user.did, collection: POST, record: post('a') })
      await agent.com.atproto.repo.createRecord({ repo: user.did, collection: POST, record: post('b') })
      return agent.com.atproto.repo.createRecord({ repo: user.did, collection: POST, record: post('c'), swapCommit: first.data.commit.cid })
    })
    await clientCall(o, 'resolveHandle of an unknown handle', () => agent.com.atproto.identity.resolveHandle({ handle: `${t.unique('no')}.test` }))
  }),
]
