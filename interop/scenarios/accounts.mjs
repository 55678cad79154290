// accounts.mjs: createAccount and its refusals, createSession by handle,
// email and DID, getSession, refresh rotation and deleteSession.
import { scenario } from '../lib/scenario.mjs'

/** jwtShape is the fingerprint of a JWT's header and claims. */
export function jwtShape(jwt) {
  if (typeof jwt !== 'string' || jwt.split('.').length !== 3) return '<not a JWT>'
  const [h, p] = jwt.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url').toString('utf8')))
  return { header: h, claims: p }
}

function jti(jwt) {
  return jwtShape(jwt).claims?.jti
}

const refresh = (t, jwt) => t.call('com.atproto.server.refreshSession', { auth: jwt, post: true })

export default [
  scenario('account.create', 'createAccount returns a session and a DID document; the PLC document names this PDS', async (t, o) => {
    const input = t.accountInput('acct')
    const res = await t.call('com.atproto.server.createAccount', { body: input })
    o.res('createAccount', res)
    o.val('access token', jwtShape(res.json?.accessJwt))
    o.val('refresh token', jwtShape(res.json?.refreshJwt))
    const plc = await t.plc(`/${res.json?.did}/data`)
    o.val('PLC data', plc)
    o.same('PLC handle is the new handle', plc.json?.alsoKnownAs?.[0] === `at://${input.handle}`)
    o.same('PLC endpoint is this PDS', plc.json?.services?.atproto_pds?.endpoint === t.url)
    const doc = await t.plc(`/${res.json?.did}`)
    o.val('PLC document', doc)
  }),

  scenario('account.create.handle-taken', 'createAccount with a taken handle', async (t, o) => {
    const user = await t.createAccount('tkn')
    o.res('same handle', await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle: user.handle } }))
    o.res(
      'same handle in upper case',
      await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle: user.handle.toUpperCase() } }),
    )
  }),

  scenario('account.create.email-taken', 'createAccount with a taken email', async (t, o) => {
    const user = await t.createAccount('eml')
    o.res('same email', await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), email: user.email } }))
    o.res(
      'same email in upper case',
      await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), email: user.email.toUpperCase() } }),
    )
  }),

  scenario('account.create.invalid-handle', 'createAccount with handles that are not valid', async (t, o) => {
    const create = (handle) => t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle } })
    o.res('bad syntax', await create('bad_handle!.test'))
    o.res('label longer than 18 characters', await create('abcdefghijklmnopqrs.test'))
    o.res('label shorter than 3 characters', await create('ab.test'))
    o.res('two labels under the domain', await create('a.bcdef.test'))
    o.res('trailing dot', await create('abcdef.test.'))
  }),

  scenario('account.create.unsupported-domain', 'createAccount outside the service handle domains', async (t, o) => {
    o.res(
      'example.com handle',
      await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle: `${t.unique('d')}.example.com` } }),
    )
  }),

  scenario('account.create.reserved-handle', 'createAccount with a reserved handle', async (t, o) => {
    o.res('admin.test', await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle: 'admin.test' } }))
  }),

  scenario('account.create.mixed-case', 'createAccount lower-cases the handle', async (t, o) => {
    const input = t.accountInput('mix')
    const res = await t.call('com.atproto.server.createAccount', {
      body: { ...input, handle: input.handle.replace(/^mix/, 'MiX') },
    })
    o.res('createAccount', res)
    o.same('handle lower-cased', res.json?.handle === input.handle)
  }),

  scenario('account.create.bad-input', 'createAccount with missing or bad email and password', async (t, o) => {
    const input = t.accountInput('bad')
    const create = (body) => t.call('com.atproto.server.createAccount', { body })
    o.res('no email', await create({ handle: input.handle, password: input.password }))
    o.res('no password', await create({ handle: input.handle, email: input.email }))
    o.res('invalid email', await create({ ...input, email: 'not-an-email' }))
    o.res('no handle', await create({ email: input.email, password: input.password }))
  }),

  scenario('session.create.by-handle', 'createSession by handle (also in upper case)', async (t, o) => {
    const user = await t.createAccount('sh')
    const res = await t.call('com.atproto.server.createSession', { body: { identifier: user.handle, password: user.password } })
    o.res('createSession', res)
    o.val('access token', jwtShape(res.json?.accessJwt))
    o.val('refresh token', jwtShape(res.json?.refreshJwt))
    const upper = await t.call('com.atproto.server.createSession', {
      body: { identifier: user.handle.toUpperCase(), password: user.password },
    })
    o.res('createSession upper case', upper)
  }),

  scenario('session.create.by-email', 'createSession by email (also in upper case)', async (t, o) => {
    const user = await t.createAccount('se')
    o.res('by email', await t.call('com.atproto.server.createSession', { body: { identifier: user.email, password: user.password } }))
    o.res(
      'by email in upper case',
      await t.call('com.atproto.server.createSession', { body: { identifier: user.email.toUpperCase(), password: user.password } }),
    )
  }),

  scenario('session.create.by-did', 'createSession by DID', async (t, o) => {
    const user = await t.createAccount('sd')
    o.res('by DID', await t.call('com.atproto.server.createSession', { body: { identifier: user.did, password: user.password } }))
  }),

  scenario('session.create.refused', 'createSession with a wrong password or an unknown identifier', async (t, o) => {
    const user = await t.createAccount('sw')
    const create = (identifier, password) => t.call('com.atproto.server.createSession', { body: { identifier, password } })
    o.res('wrong password', await create(user.handle, user.password + 'x'))
    o.res('unknown handle', await create(`nobody${t.unique('')}.test`, user.password))
    o.res('unknown email', await create(`nobody${t.unique('')}@example.com`, user.password))
    o.res('empty password', await create(user.handle, ''))
  }),

  scenario('session.get', 'getSession with the access token', async (t, o) => {
    const user = await t.createAccount('sg')
    o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
  }),

  scenario('session.get.bad-auth', 'getSession without or with wrong credentials', async (t, o) => {
    const user = await t.createAccount('sb')
    o.res('no auth', await t.call('com.atproto.server.getSession'))
    o.res('refresh token as access', await t.call('com.atproto.server.getSession', { auth: user.refresh }))
    o.res('garbage bearer', await t.call('com.atproto.server.getSession', { auth: 'not-a-jwt' }))
    o.res('basic auth', await t.call('com.atproto.server.getSession', { auth: { basic: 'x' } }))
    const forged = user.access.slice(0, user.access.lastIndexOf('.') + 1) + 'AAAA'
    o.res('bad signature', await t.call('com.atproto.server.getSession', { auth: forged }))
  }),

  scenario('session.refresh.rotation', 'refreshSession rotates; the old token has a grace period', async (t, o) => {
    const user = await t.createAccount('sr')
    const r0 = user.refresh
    const first = await refresh(t, r0)
    o.res('refresh', first)
    const r1 = first.json?.refreshJwt
    o.same('new refresh token differs', r1 !== r0 && jti(r1) !== jti(r0))
    o.res('getSession with the new access token', await t.call('com.atproto.server.getSession', { auth: first.json?.accessJwt }))
    const again = await refresh(t, r0)
    o.res('old token again within the grace period', again)
    o.same('old token yields the same next session', jti(again.json?.refreshJwt) === jti(r1))
    const next = await refresh(t, r1)
    o.res('refresh the new token', next)
    o.same('rotates on', jti(next.json?.refreshJwt) !== jti(r1) && jti(next.json?.refreshJwt) !== jti(r0))
  }),

  scenario('session.refresh.wrong-token', 'refreshSession with an access token or none', async (t, o) => {
    const user = await t.createAccount('sx')
    o.res('access token', await refresh(t, user.access))
    o.res('no auth', await t.call('com.atproto.server.refreshSession', { post: true }))
  }),

  scenario('session.delete', 'deleteSession revokes the refresh token', async (t, o) => {
    const user = await t.createAccount('sdl')
    o.res('deleteSession with the access token', await t.call('com.atproto.server.deleteSession', { auth: user.access, post: true }))
    o.res('deleteSession', await t.call('com.atproto.server.deleteSession', { auth: user.refresh, post: true }))
    o.res('refresh after delete', await refresh(t, user.refresh))
    o.res('deleteSession again', await t.call('com.atproto.server.deleteSession', { auth: user.refresh, post: true }))
  }),
]
