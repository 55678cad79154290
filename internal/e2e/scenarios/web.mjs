// web.mjs: accounts on a node without a PLC directory get did:web
// identities. Sign-up, login by handle and by email, getSession,
// resolveHandle and a record round trip work as for did:plc.
import { assert, createAccount, env, newAgent, scenario } from './lib.mjs'

const POST = 'app.bsky.feed.post'

await scenario('did:web accounts', async (s) => {
  let user
  await s.step('createAccount gives a did:web identity', async () => {
    user = await createAccount('web')
    assert.match(user.did, /^did:web:[a-z0-9.%-]+$/)
    assert.ok(user.res.data.accessJwt && user.res.data.refreshJwt, 'tokens')
  })

  await s.step('the DID document in the session points at this node', async () => {
    const doc = user.res.data.didDoc
    assert.ok(doc, 'createAccount returns the DID document')
    assert.equal(doc.id, user.did)
    assert.ok(doc.alsoKnownAs.includes(`at://${user.handle}`), `alsoKnownAs ${JSON.stringify(doc.alsoKnownAs)}`)
    const pds = doc.service.find((sv) => sv.id === '#atproto_pds' || sv.id === `${user.did}#atproto_pds`)
    assert.ok(pds, `no #atproto_pds service in ${JSON.stringify(doc.service)}`)
    assert.equal(pds.serviceEndpoint, env.url)
  })

  await s.step('getSession', async () => {
    const { data } = await user.agent.com.atproto.server.getSession()
    assert.equal(data.did, user.did)
    assert.equal(data.handle, user.handle)
    assert.equal(data.email, user.email)
  })

  await s.step('login by handle and by email', async () => {
    const byHandle = await newAgent().login({ identifier: user.handle, password: user.password })
    assert.equal(byHandle.data.did, user.did)
    const byEmail = await newAgent().login({ identifier: user.email, password: user.password })
    assert.equal(byEmail.data.did, user.did)
  })

  await s.step('resolveHandle', async () => {
    const { data } = await newAgent().com.atproto.identity.resolveHandle({ handle: user.handle })
    assert.equal(data.did, user.did)
  })

  await s.step('createRecord and getRecord', async () => {
    const record = { $type: POST, text: 'from a did:web account', createdAt: new Date().toISOString() }
    const { data } = await user.agent.com.atproto.repo.createRecord({ repo: user.did, collection: POST, record })
    assert.ok(data.uri.startsWith(`at://${user.did}/${POST}/`), data.uri)
    const got = await newAgent().com.atproto.repo.getRecord({
      repo: user.did,
      collection: POST,
      rkey: data.uri.split('/').pop(),
    })
    assert.deepEqual(got.data.value, record)
  })
})
