// admin.mjs: the admin API with HTTP Basic auth (user "admin"): takedowns
// of accounts, records and blobs and their reversal, getSubjectStatus,
// account info and updates, invite codes.
import { POST, post, scenario, tinyPNG } from '../lib/scenario.mjs'

const REPO_REF = 'com.atproto.admin.defs#repoRef'
const STRONG_REF = 'com.atproto.repo.strongRef'
const BLOB_REF = 'com.atproto.admin.defs#repoBlobRef'

const admin = (t, nsid, opts = {}) => t.call(nsid, { auth: 'admin', ...opts })
const setStatus = (t, body) => admin(t, 'com.atproto.admin.updateSubjectStatus', { body })

export default [
  scenario('admin.auth', 'admin methods without, with wrong and with user credentials', async (t, o) => {
    const user = await t.createAccount('aa')
    const nsid = 'com.atproto.admin.getAccountInfo'
    const params = { did: user.did }
    o.res('no auth', await t.call(nsid, { params }))
    o.res('wrong password', await t.call(nsid, { params, auth: { basic: 'wrong' } }))
    o.res('user bearer token', await t.call(nsid, { params, auth: user.access }))
    o.res('right password', await t.call(nsid, { params, auth: 'admin' }))
  }),

  scenario('admin.account-info', 'getAccountInfo and getAccountInfos', async (t, o) => {
    const a = await t.createAccount('ai')
    const b = await t.createAccount('aib')
    o.res('getAccountInfo', await admin(t, 'com.atproto.admin.getAccountInfo', { params: { did: a.did } }))
    o.res('getAccountInfos', await admin(t, 'com.atproto.admin.getAccountInfos', { params: { dids: [a.did, b.did, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'] } }))
    o.res('unknown DID', await admin(t, 'com.atproto.admin.getAccountInfo', { params: { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' } }))
  }),

  scenario('admin.takedown-account', 'account takedown: status, session, reads; reversal', async (t, o) => {
    const user = await t.createAccount('at')
    await t.createRecord(user, POST, post('x'), { rkey: '3kaaaaaaaaaa2' })
    const subject = { $type: REPO_REF, did: user.did }
    o.res('takedown', await setStatus(t, { subject, takedown: { applied: true, ref: 'case-1' } }))
    o.res('getSubjectStatus', await admin(t, 'com.atproto.admin.getSubjectStatus', { params: { did: user.did } }))
    o.res('getRepoStatus', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
    o.res('createSession', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('getSession with the old token', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.res('createRecord with the old token', await t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.did, collection: POST, record: post('y') } }))
    o.res('getRecord', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
    o.res('sync.getRepo', await t.call('com.atproto.sync.getRepo', { params: { did: user.did } }))
    o.res('describeRepo', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    o.res('getAccountInfo', await admin(t, 'com.atproto.admin.getAccountInfo', { params: { did: user.did } }))
    o.res('reversal', await setStatus(t, { subject, takedown: { applied: false } }))
    o.res('getSubjectStatus after reversal', await admin(t, 'com.atproto.admin.getSubjectStatus', { params: { did: user.did } }))
    o.res('createSession after reversal', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('getRepoStatus after reversal', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
  }),

  scenario('admin.takedown-record', 'record takedown hides the record; reversal', async (t, o) => {
    const user = await t.createAccount('ar')
    const rec = await t.createRecord(user, POST, post('bad'), { rkey: '3kaaaaaaaaaa2' })
    await t.createRecord(user, POST, post('good'), { rkey: '3kaaaaaaaaab2' })
    const subject = { $type: STRONG_REF, uri: rec.uri, cid: rec.cid }
    o.res('takedown', await setStatus(t, { subject, takedown: { applied: true, ref: 'case-2' } }))
    o.res('getSubjectStatus', await admin(t, 'com.atproto.admin.getSubjectStatus', { params: { uri: rec.uri } }))
    o.res('getRecord', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
    o.res('listRecords', await t.call('com.atproto.repo.listRecords', { params: { repo: user.did, collection: POST } }))
    o.res('sync.getRecord', await t.call('com.atproto.sync.getRecord', { params: { did: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }), { body: false })
    o.res('reversal', await setStatus(t, { subject, takedown: { applied: false } }))
    o.res('getRecord after reversal', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2' } }))
  }),

  scenario('admin.takedown-blob', 'blob takedown hides the blob; reversal', async (t, o) => {
    const user = await t.createAccount('ab')
    const blob = (await t.call('com.atproto.repo.uploadBlob', { auth: user.access, body: tinyPNG, contentType: 'image/png' })).json?.blob
    await t.createRecord(user, POST, post('pic', { embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt: '' }] } }))
    const cid = blob?.ref?.$link
    const subject = { $type: BLOB_REF, did: user.did, cid }
    o.res('takedown', await setStatus(t, { subject, takedown: { applied: true, ref: 'case-3' } }))
    o.res('getSubjectStatus', await admin(t, 'com.atproto.admin.getSubjectStatus', { params: { did: user.did, blob: cid } }))
    o.res('getBlob', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid } }), { body: false })
    o.res('reversal', await setStatus(t, { subject, takedown: { applied: false } }))
    o.res('getBlob after reversal', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid } }), { body: false })
  }),

  scenario('admin.subject-status.errors', 'updateSubjectStatus and getSubjectStatus with bad subjects', async (t, o) => {
    o.res('unknown account', await setStatus(t, { subject: { $type: REPO_REF, did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }, takedown: { applied: true } }))
    o.res('getSubjectStatus of an unknown account', await admin(t, 'com.atproto.admin.getSubjectStatus', { params: { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' } }))
    o.res('getSubjectStatus without a subject', await admin(t, 'com.atproto.admin.getSubjectStatus'))
    o.res('unknown subject type', await setStatus(t, { subject: { $type: 'com.example.nope', did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }, takedown: { applied: true } }))
  }),

  scenario('admin.update-account', 'updateAccountHandle, updateAccountEmail, updateAccountPassword', async (t, o) => {
    const user = await t.createAccount('au')
    const handle = `${t.unique('aun')}.test`
    o.res('updateAccountHandle', await admin(t, 'com.atproto.admin.updateAccountHandle', { body: { did: user.did, handle } }))
    o.res('resolveHandle', await t.call('com.atproto.identity.resolveHandle', { params: { handle } }))
    const email = `${t.unique('aue')}@example.com`
    o.res('updateAccountEmail', await admin(t, 'com.atproto.admin.updateAccountEmail', { body: { account: user.did, email } }))
    o.res('updateAccountPassword', await admin(t, 'com.atproto.admin.updateAccountPassword', { body: { did: user.did, password: 'new-password-1' } }))
    o.res('login with the old password', await t.call('com.atproto.server.createSession', { body: { identifier: handle, password: user.password } }))
    o.res('login by the new email and password', await t.call('com.atproto.server.createSession', { body: { identifier: email, password: 'new-password-1' } }))
    o.res('updateAccountHandle to a taken handle', await admin(t, 'com.atproto.admin.updateAccountHandle', { body: { did: user.did, handle: (await t.createAccount('auo')).handle } }))
  }),

  scenario('admin.delete-account', 'admin deleteAccount', async (t, o) => {
    const user = await t.createAccount('ad')
    o.res('deleteAccount', await admin(t, 'com.atproto.admin.deleteAccount', { body: { did: user.did } }))
    o.res('getAccountInfo', await admin(t, 'com.atproto.admin.getAccountInfo', { params: { did: user.did } }))
    o.res('createSession', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('getRepoStatus', await t.call('com.atproto.sync.getRepoStatus', { params: { did: user.did } }))
  }),

  scenario('admin.invite-codes', 'createInviteCode(s), getInviteCodes, disableInviteCodes', async (t, o) => {
    const user = await t.createAccount('ic')
    const one = o.res('createInviteCode', await admin(t, 'com.atproto.server.createInviteCode', { body: { useCount: 2 } }))
    o.res('createInviteCode for an account', await admin(t, 'com.atproto.server.createInviteCode', { body: { useCount: 1, forAccount: user.did } }))
    o.res('createInviteCodes', await admin(t, 'com.atproto.server.createInviteCodes', { body: { useCount: 1, codeCount: 3, forAccounts: [user.did] } }))
    o.res('createInviteCode without auth', await t.call('com.atproto.server.createInviteCode', { body: { useCount: 1 } }))
    o.res('createInviteCode with a user token', await t.call('com.atproto.server.createInviteCode', { auth: user.access, body: { useCount: 1 } }))
    o.res('createAccount with the code (not required here)', await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('icu'), inviteCode: one.json?.code } }))
    o.res('getAccountInviteCodes', await t.call('com.atproto.server.getAccountInviteCodes', { auth: user.access }))
    o.res('disableInviteCodes', await admin(t, 'com.atproto.admin.disableInviteCodes', { body: { codes: [one.json?.code] } }))
    o.res('disableAccountInvites', await admin(t, 'com.atproto.admin.disableAccountInvites', { body: { account: user.did } }))
    o.res('enableAccountInvites', await admin(t, 'com.atproto.admin.enableAccountInvites', { body: { account: user.did } }))
    const list = await admin(t, 'com.atproto.admin.getInviteCodes', { params: { limit: 500 } })
    o.res('getInviteCodes', list, { pick: (j) => ({ ...j, codes: (j.codes ?? []).filter((c) => c.code === one.json?.code) }) })
  }),
]
