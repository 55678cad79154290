// apppasswords.mjs: create, list and revoke app passwords; sessions made
// with one can write records but cannot create app passwords; a revoked
// one no longer logs in and its sessions no longer refresh.
import { assert, createAccount, expectXrpcError, jwtPayload, newAgent, scenario } from './lib.mjs'

// The reference's app password shape: four groups of four base32 letters.
const appPasswordShape = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/

await scenario('app passwords', async (s) => {
  let user, plain, privileged
  await s.step('createAccount', async () => {
    user = await createAccount('apw')
  })
  const server = () => user.agent.com.atproto.server

  await s.step('createAppPassword returns the password once', async () => {
    const { data } = await server().createAppPassword({ name: 'phone' })
    assert.equal(data.name, 'phone')
    assert.match(data.password, appPasswordShape)
    assert.ok(!Number.isNaN(Date.parse(data.createdAt)), `createdAt ${data.createdAt}`)
    assert.notEqual(data.privileged, true)
    plain = data.password
  })

  await s.step('createAppPassword privileged', async () => {
    const { data } = await server().createAppPassword({ name: 'desktop', privileged: true })
    assert.equal(data.name, 'desktop')
    assert.equal(data.privileged, true)
    assert.match(data.password, appPasswordShape)
    privileged = data.password
  })

  await s.step('listAppPasswords lists both, without the secrets', async () => {
    const { data } = await server().listAppPasswords()
    const byName = Object.fromEntries(data.passwords.map((p) => [p.name, p]))
    assert.deepEqual(Object.keys(byName).sort(), ['desktop', 'phone'])
    assert.equal(byName.desktop.privileged, true)
    assert.notEqual(byName.phone.privileged, true)
    for (const p of data.passwords) {
      assert.equal(p.password, undefined, 'listAppPasswords must not return the password')
      assert.ok(!Number.isNaN(Date.parse(p.createdAt)), `createdAt ${p.createdAt}`)
    }
  })

  const appAgent = newAgent()
  await s.step('login with the app password', async () => {
    const res = await appAgent.login({ identifier: user.handle, password: plain })
    assert.equal(res.data.did, user.did)
    assert.equal(jwtPayload(res.data.accessJwt).scope, 'com.atproto.appPass')
  })

  await s.step('an app-password session writes records', async () => {
    const res = await appAgent.post({ text: 'posted with an app password', createdAt: new Date().toISOString() })
    assert.ok(res.uri.startsWith(`at://${user.did}/app.bsky.feed.post/`), res.uri)
  })

  await s.step('an app-password session lists app passwords', async () => {
    const { data } = await appAgent.com.atproto.server.listAppPasswords()
    assert.equal(data.passwords.length, 2)
  })

  await s.step('an app-password session cannot create app passwords', async () => {
    await expectXrpcError(appAgent.com.atproto.server.createAppPassword({ name: 'sneaky' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('a privileged app-password session cannot create app passwords either', async () => {
    const a = newAgent()
    const res = await a.login({ identifier: user.email, password: privileged })
    assert.equal(jwtPayload(res.data.accessJwt).scope, 'com.atproto.appPassPrivileged')
    await expectXrpcError(a.com.atproto.server.createAppPassword({ name: 'sneaky' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('revokeAppPassword removes it from the list', async () => {
    await server().revokeAppPassword({ name: 'phone' })
    const { data } = await server().listAppPasswords()
    assert.deepEqual(
      data.passwords.map((p) => p.name),
      ['desktop'],
    )
  })

  await s.step('a revoked app password no longer logs in', async () => {
    await expectXrpcError(newAgent().login({ identifier: user.handle, password: plain }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
  })

  await s.step("a revoked app password's sessions no longer refresh", async () => {
    const refreshJwt = appAgent.session.refreshJwt
    await expectXrpcError(
      appAgent.com.atproto.server.refreshSession(undefined, { headers: { authorization: `Bearer ${refreshJwt}` } }),
      { status: 400, error: 'ExpiredToken' },
    )
  })

  await s.step('the account password still logs in', async () => {
    const res = await newAgent().login({ identifier: user.handle, password: user.password })
    assert.equal(jwtPayload(res.data.accessJwt).scope, 'com.atproto.access')
  })
})
