// identity.mjs: resolveHandle, updateHandle, getRecommendedDidCredentials
// and the PLC operation flow (requestPlcOperationSignature, the emailed
// token, signPlcOperation, submitPlcOperation), checked against the
// shared PLC directory. Only handles under the service domain (.test) are
// used: nothing is resolved through DNS.
import { shape } from '../lib/fingerprint.mjs'
import { load } from '../lib/modules.mjs'
import { post, scenario } from '../lib/scenario.mjs'

const resolve = (t, handle) => t.call('com.atproto.identity.resolveHandle', { params: { handle } })
const updateHandle = (t, user, handle) => t.call('com.atproto.identity.updateHandle', { auth: user?.access, body: { handle } })

async function newDidKey() {
  const { Secp256k1Keypair } = await load('@atproto/crypto')
  return (await Secp256k1Keypair.create()).did()
}

export default [
  scenario('identity.did-doc-format', 'the JSON form of the DID document createAccount returns', async (t, o) => {
    const res = await t.call('com.atproto.server.createAccount', { body: t.accountInput('idf') })
    const doc = res.json?.didDoc
    o.add('didDoc JSON', shape(doc, { ...t.ctx, rawDidDoc: true }))
  }),

  scenario('identity.resolve-handle', 'resolveHandle: own, upper case, unknown, malformed', async (t, o) => {
    const user = await t.createAccount('ih')
    const res = o.res('own handle', await resolve(t, user.handle))
    o.same('is the DID', res.json?.did === user.did)
    o.res('upper case', await resolve(t, user.handle.toUpperCase()))
    o.res('unknown under the service domain', await resolve(t, `${t.unique('none')}.test`))
    o.res('malformed', await resolve(t, 'not a handle'))
    o.res('missing', await t.call('com.atproto.identity.resolveHandle'))
  }),

  scenario('identity.update-handle', 'updateHandle: resolution, session, describeRepo and PLC follow', async (t, o) => {
    const user = await t.createAccount('iu')
    const handle = `${t.unique('iun')}.test`
    o.res('updateHandle', await updateHandle(t, user, handle))
    const r = o.res('resolve the new handle', await resolve(t, handle))
    o.same('new handle is the DID', r.json?.did === user.did)
    o.res('resolve the old handle', await resolve(t, user.handle))
    const s = o.res('getSession', await t.call('com.atproto.server.getSession', { auth: user.access }))
    o.same('session handle is new', s.json?.handle === handle)
    const d = o.res('describeRepo', await t.call('com.atproto.repo.describeRepo', { params: { repo: user.did } }))
    o.same('describeRepo handle is new', d.json?.handle === handle)
    const plc = await t.plc(`/${user.did}/data`)
    o.same('PLC alsoKnownAs', JSON.stringify(plc.json?.alsoKnownAs) === JSON.stringify([`at://${handle}`]))
    o.res('login by the new handle', await t.call('com.atproto.server.createSession', { body: { identifier: handle, password: user.password } }))
    o.res('the old handle is free again', await t.call('com.atproto.server.createAccount', { body: { ...t.accountInput('x'), handle: user.handle } }))
    o.res('to the same handle again', await updateHandle(t, user, handle))
    o.res('upper case', await updateHandle(t, user, handle.toUpperCase()))
  }),

  scenario('identity.update-handle.errors', 'updateHandle refusals', async (t, o) => {
    const user = await t.createAccount('iue')
    const other = await t.createAccount('iuo')
    o.res("another account's handle", await updateHandle(t, user, other.handle))
    o.res('label too long', await updateHandle(t, user, 'abcdefghijklmnopqrs.test'))
    o.res('malformed', await updateHandle(t, user, 'bad handle.test'))
    o.res('reserved', await updateHandle(t, user, 'admin.test'))
    o.res('no auth', await updateHandle(t, null, `${t.unique('x')}.test`))
    o.res('handle.invalid', await updateHandle(t, user, 'handle.invalid'))
  }),

  scenario('identity.recommended-credentials', 'getRecommendedDidCredentials matches the PLC document', async (t, o) => {
    const user = await t.createAccount('irc')
    const res = o.res('getRecommendedDidCredentials', await t.call('com.atproto.identity.getRecommendedDidCredentials', { auth: user.access }))
    const plc = (await t.plc(`/${user.did}/data`)).json
    o.same('signing key is the PLC one', res.json?.verificationMethods?.atproto === plc?.verificationMethods?.atproto)
    o.same('rotation keys are in the PLC document', (res.json?.rotationKeys ?? []).every((k) => plc?.rotationKeys?.includes(k)))
    o.same('endpoint is this PDS', res.json?.services?.atproto_pds?.endpoint === t.url)
    o.res('no auth', await t.call('com.atproto.identity.getRecommendedDidCredentials'))
  }),

  scenario('identity.plc-sign', 'signPlcOperation needs the emailed token', async (t, o) => {
    const user = await t.createAccount('ips')
    const rec = (await t.call('com.atproto.identity.getRecommendedDidCredentials', { auth: user.access })).json
    const sign = (body) => t.call('com.atproto.identity.signPlcOperation', { auth: user.access, body })
    o.res('without a token', await sign({ rotationKeys: rec?.rotationKeys }))
    o.res('with a wrong token', await sign({ token: 'AAAAA-BBBBB', rotationKeys: rec?.rotationKeys }))
    const { token, res, mail } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.identity.requestPlcOperationSignature', { auth: user.access, post: true }),
    )
    o.res('requestPlcOperationSignature', res)
    o.same('a token was mailed', !!token)
    o.val('mail subject', mail?.subject ?? null)
    const extra = await newDidKey()
    const signed = await sign({ token, ...rec, rotationKeys: [extra, ...(rec?.rotationKeys ?? [])] })
    o.res('with the token', signed)
    o.same('operation carries the new rotation key first', signed.json?.operation?.rotationKeys?.[0] === extra)
    const last = (await t.plc(`/${user.did}/log/last`)).json
    o.same('prev is the last PLC operation', !!signed.json?.operation?.prev && signed.json?.operation?.prev === (await cidOf(last)))
    o.res('the token again', await sign({ token, rotationKeys: rec?.rotationKeys }))
  }),

  scenario('identity.plc-submit', 'submitPlcOperation sends a signed operation; refuses one that moves the account', async (t, o) => {
    const user = await t.createAccount('ipu')
    const rec = (await t.call('com.atproto.identity.getRecommendedDidCredentials', { auth: user.access })).json
    const extra = await newDidKey()
    const { token } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.identity.requestPlcOperationSignature', { auth: user.access, post: true }),
    )
    const op = (await t.call('com.atproto.identity.signPlcOperation', {
      auth: user.access,
      body: { token, ...rec, rotationKeys: [extra, ...(rec?.rotationKeys ?? [])] },
    })).json?.operation
    const submit = (operation) => t.call('com.atproto.identity.submitPlcOperation', { auth: user.access, body: { operation } })
    o.res('submit', await submit(op))
    const audit = await t.plc(`/${user.did}/log/audit`)
    o.same('audit log has 2 operations', audit.json?.length)
    o.same('rotation keys in PLC', (await t.plc(`/${user.did}/data`)).json?.rotationKeys?.[0] === extra)
    const { token: token2 } = await t.mailedToken(user.email, () =>
      t.call('com.atproto.identity.requestPlcOperationSignature', { auth: user.access, post: true }),
    )
    const away = (await t.call('com.atproto.identity.signPlcOperation', {
      auth: user.access,
      body: { token: token2, services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://elsewhere.example' } } },
    })).json?.operation
    o.res('submit an operation naming another PDS', await submit(away))
    o.res('submit an operation with another signing key', await submit({ ...op, verificationMethods: { atproto: extra } }))
    o.res('submit without auth', await t.call('com.atproto.identity.submitPlcOperation', { body: { operation: op } }))
    o.res('checkAccountStatus', await t.call('com.atproto.server.checkAccountStatus', { auth: user.access }))
    o.res('still writes', await t.call('com.atproto.repo.createRecord', {
      auth: user.access,
      body: { repo: user.did, collection: 'app.bsky.feed.post', record: post('after a PLC update') },
    }))
  }),
]

async function cidOf(op) {
  if (!op) return undefined
  const { cidForCbor } = await load('@atproto/common')
  return (await cidForCbor(op)).toString()
}
