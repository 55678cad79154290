// status.mjs: deactivateAccount / activateAccount and what an inactive
// account's reads and writes answer; checkAccountStatus; getRepoStatus;
// requestAccountDelete / deleteAccount.
import { POST, post, scenario } from '../lib/scenario.mjs'

async function deactivated(t, prefix) {
  const user = await t.createAccount(prefix)
  await t.createRecord(user, POST, post('before'), { rkey: '3kaaaaaaaaaa2' })
  const res = await t.call('com.atproto.server.deactivateAccount', { auth: user.access, body: {} })
  return { user, res }
}

export default [
  scenario('status.check-account-status', 'checkAccountStatus of a fresh account with a record', async (t, o) => {
    const user = await t.createAccount('cs')
    await t.createRecord(user, POST, post('x'))
    o.res('checkAccountStatus', await t.call('com.atproto.server.checkAccountStatus', { auth: user.access }))
    o.res('no auth', await t.call('com.atproto.server.checkAccountStatus'))
  }),

  scenario('status.deactivate', 'deactivateAccount: session, status, getRepoStatus', async (t, o) => {
    const { user, res } = await deactivated(t, 'dx')
    o.res('deactivateAccount', res)
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.res('createSession', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('checkAccountStatus', await t.call('com.atproto.server.checkAccountStatus', { auth: user.access }))
    o.res('getRepoStatus', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
    o.res('deactivate again', await t.call('com.atproto.server.deactivateAccount', { auth: user.access, body: {} }))
    o.res('deleteAfter in the past', await t.call('com.atproto.server.deactivateAccount', { auth: user.access, body: { deleteAfter: '2000-01-01T00:00:00.000Z' } }))
  }),

  scenario('status.deactivated-reads', 'reads of a deactivated repo', async (t, o) => {
    const { user } = await deactivated(t, 'dr')
    const p = { did: user.did }
    o.res('describeRepo', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    o.res('getRecord', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
    o.res('listRecords', await t.call('com.atproto.repo.listRecords', { params: { repo: user.did, collection: POST } }))
    o.res('sync.getRepo', await t.call('com.atproto.sync.getRepo', { params: p }), { body: false })
    o.res('sync.getLatestCommit', await t.call('com.atproto.sync.getLatestCommit', { params: p }))
    o.res('sync.getRecord', await t.call('com.atproto.sync.getRecord', { params: { ...p, collection: POST, rkey: '3kaaaaaaaaaa2' } }), { body: false })
    o.res('sync.listBlobs', await t.call('com.atproto.sync.listBlobs', { params: p }))
    o.res('resolveHandle', await t.call('com.atproto.identity.resolveHandle', { params: { handle: user.handle } }))
    const list = await t.call('com.atproto.sync.listRepos', { params: { limit: 1000 } })
    o.val('listRepos entry', list.json?.repos?.find((r) => r.did === user.did) ?? null)
  }),

  scenario('status.deactivated-writes', 'writes of a deactivated account', async (t, o) => {
    const { user } = await deactivated(t, 'dw')
    const body = { repo: user.did, collection: POST }
    o.res('createRecord', await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { ...body, record: post('x') } }))
    o.res('putRecord', await t.call('com.atproto.repo.putRecord', { auth: user.access, body: { ...body, rkey: '3kaaaaaaaaaa2', record: post('y') } }))
    o.res('deleteRecord', await t.call('com.atproto.repo.deleteRecord', { auth: user.access, body: { ...body, rkey: '3kaaaaaaaaaa2' } }))
    o.res('applyWrites', await t.call('com.atproto.repo.applyWrites', {
      auth: user.access,
      body: { repo: user.did, writes: [{ $type: 'com.atproto.repo.applyWrites#create', collection: POST, value: post('z') }] },
    }))
    o.res('uploadBlob', await t.call('com.atproto.repo.uploadBlob', { auth: user.access, body: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' }))
    o.res('updateHandle', await t.call('com.atproto.identity.updateHandle', { auth: user.access, body: { handle: `${t.unique('dwh')}.test` } }))
  }),

  scenario('status.activate', 'activateAccount restores reads and writes', async (t, o) => {
    const { user } = await deactivated(t, 'da')
    o.res('activateAccount', await t.call('com.atproto.server.activateAccount', { auth: user.access, post: true }))
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.res('getRecord', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
    o.res('createRecord', await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.did, collection: POST, record: post('after') } }))
    o.res('getRepoStatus', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
    o.res('activate an active account', await t.call('com.atproto.server.activateAccount', { auth: user.access, post: true }))
  }),

  scenario('status.delete-account', 'requestAccountDelete and deleteAccount with the emailed token', async (t, o) => {
    const user = await t.createAccount('del')
    await t.createRecord(user, POST, post('x'))
    const del = (body) => t.call('com.atproto.server.deleteAccount', { body: { did: user.did, password: user.password, ...body } })
    o.res('before any token was asked for', await del({ token: 'AAAAA-BBBBB' }))
    const { token, res, mail } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.server.requestAccountDelete', { auth: user.access, post: true }),
    )
    o.res('requestAccountDelete', res)
    o.same('a token was mailed', !!token)
    o.val('mail subject', mail?.subject ?? null)
    o.res('wrong password', await del({ token, password: 'wrong' }))
    o.res('wrong token', await del({ token: 'AAAAA-BBBBB' }))
    o.res('deleteAccount', await del({ token }))
    o.res('createSession', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('getSession with the old token', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.res('resolveHandle', await t.call('com.atproto.identity.resolveHandle', { params: { handle: user.handle } }))
    o.res('describeRepo', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    o.res('getRepoStatus', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
    o.res('sync.getRepo', await t.call('com.atproto.sync.getRepo', { params: { did: user.did } }))
    o.res('deleteAccount again', await del({ token }))
    o.res('handle and email free again', await t.call('com.atproto.server.createAccount', {
      body: { handle: user.handle, email: user.email, password: user.password },
    }))
  }),
]
