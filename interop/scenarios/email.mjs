// email.mjs: the flows that mail a token: email confirmation, email
// update, password reset. The reference's mail is taken from its own
// mailer (nodemailer's JSON transport), boltsky's from its outbox file;
// only the XXXXX-XXXXX code and the subject's presence are compared.
import { scenario } from '../lib/scenario.mjs'

const call = (t, nsid, auth, body) => t.call(nsid, { auth, body: body ?? {}, post: true })

export default [
  scenario('email.confirm', 'requestEmailConfirmation then confirmEmail', async (t, o) => {
    const user = await t.createAccount('ec')
    o.res('confirmEmail before a request', await call(t, 'com.atproto.server.confirmEmail', user.access, { email: user.email, token: 'AAAAA-BBBBB' }))
    const { token, res } = await t.mailedToken(user.email, () => t.call('com.atproto.server.requestEmailConfirmation', { auth: user.access, post: true }))
    o.res('requestEmailConfirmation', res)
    o.same('a token was mailed', !!token)
    o.res('wrong token', await call(t, 'com.atproto.server.confirmEmail', user.access, { email: user.email, token: 'AAAAA-BBBBB' }))
    o.res('wrong email', await call(t, 'com.atproto.server.confirmEmail', user.access, { email: 'other@example.com', token }))
    o.res('confirmEmail', await call(t, 'com.atproto.server.confirmEmail', user.access, { email: user.email, token }))
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.res('the token again', await call(t, 'com.atproto.server.confirmEmail', user.access, { email: user.email, token }))
  }),

  scenario('email.update', 'requestEmailUpdate and updateEmail, before and after confirmation', async (t, o) => {
    const user = await t.createAccount('eu')
    o.res('requestEmailUpdate unconfirmed', await t.call('com.atproto.server.requestEmailUpdate', { auth: user.access, post: true }))
    const newEmail = `${t.unique('eun')}@example.com`
    o.res('updateEmail unconfirmed, no token', await call(t, 'com.atproto.server.updateEmail', user.access, { email: newEmail }))
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
    const { token: confirm } = await t.mailedToken(newEmail, () => t.call('com.atproto.server.requestEmailConfirmation', { auth: user.access, post: true }))
    await call(t, 'com.atproto.server.confirmEmail', user.access, { email: newEmail, token: confirm })
    const { token, res } = await t.mailedToken(newEmail, () => t.call('com.atproto.server.requestEmailUpdate', { auth: user.access, post: true }))
    o.res('requestEmailUpdate confirmed', res)
    o.same('a token was mailed', !!token)
    const third = `${t.unique('eut')}@example.com`
    o.res('updateEmail without the token', await call(t, 'com.atproto.server.updateEmail', user.access, { email: third }))
    o.res('updateEmail with a wrong token', await call(t, 'com.atproto.server.updateEmail', user.access, { email: third, token: 'AAAAA-BBBBB' }))
    o.res('updateEmail with the token', await call(t, 'com.atproto.server.updateEmail', user.access, { email: third, token }))
    o.res('getSession after', await t.call('com.atproto.server.getSession', { auth: user.access }))
    const other = await t.createAccount('euo')
    o.res('updateEmail to a taken email', await call(t, 'com.atproto.server.updateEmail', other.access, { email: third }))
  }),

  scenario('email.password-reset', 'requestPasswordReset then resetPassword', async (t, o) => {
    const user = await t.createAccount('pr')
    o.res('unknown email', await call(t, 'com.atproto.server.requestPasswordReset', undefined, { email: 'nobody-known@example.com' }))
    const { token, res } = await t.mailedToken(user.email, () => call(t, 'com.atproto.server.requestPasswordReset', undefined, { email: user.email }))
    o.res('requestPasswordReset', res)
    o.same('a token was mailed', !!token)
    o.res('wrong token', await call(t, 'com.atproto.server.resetPassword', undefined, { token: 'AAAAA-BBBBB', password: 'new-password-2' }))
    o.res('resetPassword', await call(t, 'com.atproto.server.resetPassword', undefined, { token, password: 'new-password-2' }))
    o.res('login with the old password', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } }))
    o.res('login with the new password', await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: 'new-password-2' } }))
    o.res('old refresh token', await t.call('com.atproto.server.refreshSession', { auth: user.refresh, post: true }))
    o.res('the token again', await call(t, 'com.atproto.server.resetPassword', undefined, { token, password: 'new-password-3' }))
  }),
]
