// accounts.mjs: sign-up with a did:plc identity, login by handle and by
// email, getSession, refresh-token rotation with the reference's grace
// window, deleteSession. Runs against a node with a PLC directory.
import {
  Agent,
  CredentialSession,
  assert,
  env,
  expectXrpcError,
  jwtPayload,
  newAccountInput,
  newAgent,
  plcGet,
  scenario,
} from './lib.mjs'

await scenario('accounts', async (s) => {
  const user = newAccountInput('acct')
  // An app's session: a CredentialSession wrapped by an Agent.
  const session = new CredentialSession(new URL(env.url))
  const agent = new Agent(session)
  let did

  await s.step('describeServer names the sign-up domain and no invite requirement', async () => {
    const { data } = await agent.com.atproto.server.describeServer()
    assert.ok(data.did.startsWith('did:'), `service did ${data.did}`)
    assert.ok(
      data.availableUserDomains.includes(env.handleDomain),
      `availableUserDomains ${JSON.stringify(data.availableUserDomains)}`,
    )
    assert.equal(data.inviteCodeRequired, false)
  })

  await s.step('createAccount gives a did:plc identity and a session', async () => {
    const res = await session.createAccount(user)
    did = res.data.did
    assert.match(did, /^did:plc:[a-z2-7]{24}$/)
    assert.equal(res.data.handle, user.handle)
    assert.ok(res.data.accessJwt && res.data.refreshJwt, 'tokens')
    assert.equal(session.did, did)
    assert.equal(jwtPayload(res.data.accessJwt).sub, did)
    // Apps send later calls to the PDS the returned DID document names.
    assert.equal(res.data.didDoc?.id, did, `didDoc ${JSON.stringify(res.data.didDoc)}`)
    assert.equal(session.pdsUrl?.origin, env.url)
  })

  await s.step('the PLC directory holds the new DID document', async () => {
    const doc = await plcGet(`/${did}`)
    assert.equal(doc.id, did)
    assert.deepEqual(doc.alsoKnownAs, [`at://${user.handle}`])
    // Relative ids (#atproto) from this @did-plc/server; absolute ones from newer directories.
    const pds = doc.service.find((sv) => sv.id === '#atproto_pds' || sv.id === `${did}#atproto_pds`)
    assert.ok(pds, `no #atproto_pds service in ${JSON.stringify(doc.service)}`)
    assert.equal(pds.type, 'AtprotoPersonalDataServer')
    assert.equal(pds.serviceEndpoint, env.url)
    const vm = doc.verificationMethod.find((v) => v.id === '#atproto' || v.id === `${did}#atproto`)
    assert.ok(vm, `no #atproto verification method in ${JSON.stringify(doc.verificationMethod)}`)
    assert.match(vm.publicKeyMultibase, /^z/)
  })

  await s.step('resolveHandle finds the new account', async () => {
    const { data } = await agent.com.atproto.identity.resolveHandle({ handle: user.handle })
    assert.equal(data.did, did)
  })

  await s.step('getSession describes the signed-in account', async () => {
    const { data } = await agent.com.atproto.server.getSession()
    assert.equal(data.did, did)
    assert.equal(data.handle, user.handle)
    assert.equal(data.email, user.email)
    assert.equal(data.emailConfirmed, false)
    assert.notEqual(data.active, false)
  })

  await s.step('createAccount refuses a taken handle', async () => {
    await expectXrpcError(newAgent().createAccount({ ...newAccountInput('dup'), handle: user.handle }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('createAccount refuses a taken email', async () => {
    await expectXrpcError(newAgent().createAccount({ ...newAccountInput('dup'), email: user.email }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('createAccount refuses a reserved handle with HandleNotAvailable', async () => {
    await expectXrpcError(newAgent().createAccount({ ...newAccountInput('rsv'), handle: `admin${env.handleDomain}` }), {
      status: 400,
      error: 'HandleNotAvailable',
    })
  })

  await s.step('createAccount refuses a handle part longer than 18 characters with InvalidHandle', async () => {
    await expectXrpcError(
      newAgent().createAccount({ ...newAccountInput('long'), handle: `abcdefghijklmnopqrs${env.handleDomain}` }),
      {
        status: 400,
        error: 'InvalidHandle',
      },
    )
  })

  await s.step('createAccount refuses a handle outside the service domains with UnsupportedDomain', async () => {
    await expectXrpcError(newAgent().createAccount({ ...newAccountInput('dom'), handle: 'someone.example.com' }), {
      status: 400,
      error: 'UnsupportedDomain',
    })
  })

  await s.step('login by handle', async () => {
    const a = newAgent()
    const res = await a.login({ identifier: user.handle, password: user.password })
    assert.equal(res.data.did, did)
    assert.equal(res.data.handle, user.handle)
    assert.equal(res.data.email, user.email)
    assert.equal(res.data.emailConfirmed, false)
    assert.notEqual(res.data.active, false)
    assert.equal(a.session.did, did)
  })

  await s.step(
    'createSession, getSession and refreshSession return the DID document naming this PDS',
    async () => {
      // The client sends later calls to the endpoint in the session's DID
      // document (CredentialSession.pdsUrl); the reference returns it from
      // all three methods.
      const a = newAgent()
      const login = await a.login({ identifier: user.handle, password: user.password })
      assert.equal(login.data.didDoc?.id, did, `createSession didDoc ${JSON.stringify(login.data.didDoc)}`)
      assert.equal(a.sessionManager.pdsUrl?.origin, env.url)
      const got = await a.com.atproto.server.getSession()
      assert.equal(got.data.didDoc?.id, did, `getSession didDoc ${JSON.stringify(got.data.didDoc)}`)
      const refreshed = await a.com.atproto.server.refreshSession(undefined, {
        headers: { authorization: `Bearer ${login.data.refreshJwt}` },
      })
      assert.equal(refreshed.data.didDoc?.id, did, `refreshSession didDoc ${JSON.stringify(refreshed.data.didDoc)}`)
    },
  )

  await s.step('handles are case-insensitive: login and resolveHandle in upper case', async () => {
    const res = await newAgent().login({ identifier: user.handle.toUpperCase(), password: user.password })
    assert.equal(res.data.did, did)
    assert.equal(res.data.handle, user.handle)
    const resolved = await newAgent().com.atproto.identity.resolveHandle({ handle: user.handle.toUpperCase() })
    assert.equal(resolved.data.did, did)
  })

  await s.step('createAccount lower-cases a mixed-case handle and refuses a taken email in another case', async () => {
    const input = newAccountInput('mix')
    const res = await newAgent().createAccount({ ...input, handle: input.handle.replace(/^mix/, 'MiX') })
    assert.equal(res.data.handle, input.handle)
    await expectXrpcError(newAgent().createAccount({ ...newAccountInput('dup'), email: user.email.toUpperCase() }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('login by email', async () => {
    const a = newAgent()
    const res = await a.login({ identifier: user.email, password: user.password })
    assert.equal(res.data.did, did)
  })

  await s.step('login by email ignores its case, as the reference does', async () => {
    const a = newAgent()
    const res = await a.login({ identifier: user.email.toUpperCase(), password: user.password })
    assert.equal(res.data.did, did)
  })

  // The Bluesky app's sign-in form shows the server's message, so it is
  // checked too.
  const badLogin = { status: 401, error: 'AuthenticationRequired', message: 'Invalid identifier or password' }
  await s.step('login with a wrong password is refused', async () => {
    await expectXrpcError(newAgent().login({ identifier: user.handle, password: user.password + 'x' }), badLogin)
  })

  await s.step('login with an unknown identifier is refused', async () => {
    await expectXrpcError(
      newAgent().login({ identifier: `nobody${env.handleDomain}`, password: user.password }),
      badLogin,
    )
  })

  // Refresh rotation, as the reference does it: refreshing with token R0
  // gives R1 and gives R0 a grace period; R0 used again within it yields a
  // token with R1's id (the same next session), not a new one.
  const a = newAgent()
  const server = a.com.atproto.server
  const refresh = (jwt) => server.refreshSession(undefined, { headers: { authorization: `Bearer ${jwt}` } })
  let r0, r1, r2

  await s.step('refreshSession rotates the refresh token', async () => {
    r0 = (await a.login({ identifier: user.handle, password: user.password })).data.refreshJwt
    const res = await refresh(r0)
    r1 = res.data.refreshJwt
    assert.equal(res.data.did, did)
    assert.equal(res.data.handle, user.handle)
    assert.ok(res.data.accessJwt, 'access token')
    // What the client otherwise fetches with an extra getSession.
    assert.equal(res.data.email, user.email)
    assert.equal(res.data.emailConfirmed, false)
    assert.notEqual(r1, r0)
    assert.notEqual(jwtPayload(r1).jti, jwtPayload(r0).jti)
    assert.equal(jwtPayload(r1).sub, did)
    const { data } = await server.getSession(undefined, { headers: { authorization: `Bearer ${res.data.accessJwt}` } })
    assert.equal(data.did, did)
  })

  await s.step(
    'the old refresh token works again within the grace period and yields the same next session',
    async () => {
      const res = await refresh(r0)
      assert.equal(res.data.did, did)
      assert.equal(jwtPayload(res.data.refreshJwt).jti, jwtPayload(r1).jti)
    },
  )

  await s.step('the next token rotates on', async () => {
    const res = await refresh(r1)
    r2 = res.data.refreshJwt
    assert.notEqual(jwtPayload(r2).jti, jwtPayload(r1).jti)
    assert.notEqual(jwtPayload(r2).jti, jwtPayload(r0).jti)
  })

  await s.step(
    'the old refresh token, reused again within the grace period, still yields the same next session',
    async () => {
      const res = await refresh(r0)
      assert.equal(jwtPayload(res.data.refreshJwt).jti, jwtPayload(r1).jti)
    },
  )

  await s.step('two concurrent refreshes of one token (two app tabs) yield the same next session', async () => {
    const t = (await newAgent().login({ identifier: user.handle, password: user.password })).data.refreshJwt
    const [x, y] = await Promise.all([refresh(t), refresh(t)])
    assert.equal(jwtPayload(x.data.refreshJwt).jti, jwtPayload(y.data.refreshJwt).jti)
    const next = await refresh(x.data.refreshJwt)
    assert.equal(next.data.did, did)
  })

  await s.step("the client's own refresh keeps the session working", async () => {
    const before = session.session.refreshJwt
    await session.refreshSession()
    assert.notEqual(session.session.refreshJwt, before)
    const { data } = await agent.com.atproto.server.getSession()
    assert.equal(data.did, did)
  })

  await s.step('an access token is refused where a refresh token is needed', async () => {
    const access = (await newAgent().login({ identifier: user.handle, password: user.password })).data.accessJwt
    await expectXrpcError(refresh(access), { status: 400, error: 'InvalidToken' })
  })

  await s.step('deleteSession revokes the refresh token', async () => {
    await server.deleteSession(undefined, { headers: { authorization: `Bearer ${r2}` } })
    await expectXrpcError(refresh(r2), { status: 400, error: 'ExpiredToken' })
  })

  await s.step('logout ends the agent session', async () => {
    await session.logout()
    assert.equal(session.hasSession, false)
    await expectXrpcError(agent.com.atproto.server.getSession(), { status: 401, error: 'AuthMissing' })
  })
})
