// apppasswords.mjs: create, list and revoke app passwords; what an
// app-password session may and may not do.
import { jwtShape } from './accounts.mjs'
import { post, scenario } from '../lib/scenario.mjs'

const create = (t, auth, name, privileged) =>
  t.call('com.atproto.server.createAppPassword', { auth, body: privileged === undefined ? { name } : { name, privileged } })

const loginWith = (t, user, password) =>
  t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password } })

export default [
  scenario('apppassword.create-list', 'createAppPassword (plain and privileged) and listAppPasswords', async (t, o) => {
    const user = await t.createAccount('ap')
    o.res('create', await create(t, user.access, 'first'))
    o.res('create privileged', await create(t, user.access, 'second', true))
    o.res('list', await t.call('com.atproto.server.listAppPasswords', { auth: user.access }))
    o.res('duplicate name', await create(t, user.access, 'first'))
    o.res('list without auth', await t.call('com.atproto.server.listAppPasswords'))
  }),

  scenario('apppassword.login', 'login with an app password: session and token scope', async (t, o) => {
    const user = await t.createAccount('apl')
    const ap = await create(t, user.access, 'phone')
    const res = await loginWith(t, user, ap.json?.password)
    o.res('createSession with the app password', res)
    o.val('access token', jwtShape(res.json?.accessJwt))
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: res.json?.accessJwt }))
    const priv = await create(t, user.access, 'dm', true)
    const res2 = await loginWith(t, user, priv.json?.password)
    o.val('privileged access token', jwtShape(res2.json?.accessJwt))
  }),

  scenario('apppassword.limits', 'what an app-password session may do', async (t, o) => {
    const user = await t.createAccount('apx')
    const ap = await create(t, user.access, 'limited')
    const s = (await loginWith(t, user, ap.json?.password)).json
    o.res(
      'createRecord',
      await t.call('com.atproto.repo.createRecord', {
        auth: s.accessJwt,
        body: { repo: user.did, collection: 'app.bsky.feed.post', record: post('from an app') },
      }),
    )
    o.res('listAppPasswords', await t.call('com.atproto.server.listAppPasswords', { auth: s.accessJwt }))
    o.res('createAppPassword', await create(t, s.accessJwt, 'nested'))
    o.res('deactivateAccount', await t.call('com.atproto.server.deactivateAccount', { auth: s.accessJwt, body: {} }))
    o.res('requestAccountDelete', await t.call('com.atproto.server.requestAccountDelete', { auth: s.accessJwt, post: true }))
    o.res('getRecommendedDidCredentials', await t.call('com.atproto.identity.getRecommendedDidCredentials', { auth: s.accessJwt }))
    o.res('updateHandle', await t.call('com.atproto.identity.updateHandle', { auth: s.accessJwt, body: { handle: `${t.unique('aph')}.test` } }))
    o.res('refreshSession', await t.call('com.atproto.server.refreshSession', { auth: s.refreshJwt, post: true }))
  }),

  scenario('apppassword.privileged-limits', 'a privileged app-password session', async (t, o) => {
    const user = await t.createAccount('app')
    const ap = await create(t, user.access, 'priv', true)
    const s = (await loginWith(t, user, ap.json?.password)).json
    o.res('createAppPassword', await create(t, s.accessJwt, 'nested'))
    o.res(
      'getServiceAuth for chat',
      await t.call('com.atproto.server.getServiceAuth', {
        auth: s.accessJwt,
        params: { aud: 'did:web:chat.invalid', lxm: 'chat.bsky.convo.getLog' },
      }),
    )
  }),

  scenario('apppassword.revoke', 'revokeAppPassword: gone from the list, no longer logs in', async (t, o) => {
    const user = await t.createAccount('apr')
    const ap = await create(t, user.access, 'gone')
    const s = (await loginWith(t, user, ap.json?.password)).json
    o.res('revoke', await t.call('com.atproto.server.revokeAppPassword', { auth: user.access, body: { name: 'gone' } }))
    o.res('list', await t.call('com.atproto.server.listAppPasswords', { auth: user.access }))
    o.res('login with the revoked password', await loginWith(t, user, ap.json?.password))
    o.res('session of the revoked password', await t.call('com.atproto.server.getSession', { auth: s.accessJwt }))
    o.res('refresh of the revoked password', await t.call('com.atproto.server.refreshSession', { auth: s.refreshJwt, post: true }))
    o.res('revoke an unknown name', await t.call('com.atproto.server.revokeAppPassword', { auth: user.access, body: { name: 'never' } }))
    o.res('account password still logs in', await loginWith(t, user, user.password))
  }),
]
