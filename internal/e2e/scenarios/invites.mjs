// invites.mjs: sign-up on a node that requires invite codes. The admin
// creates codes with com.atproto.server.createInviteCode under Basic
// auth; sign-up without a code, with an unknown code and with a used-up
// code is refused with InvalidInviteCode; each code admits useCount
// accounts. getAccountInviteCodes lists the codes the admin gave an
// account, with their uses, and leaves out used-up ones when asked.
import { adminHeaders, assert, env, expectXrpcError, newAccountInput, newAgent, scenario } from './lib.mjs'

await scenario('invites', async (s) => {
  const agent = newAgent()
  const server = agent.com.atproto.server
  const signUp = (inviteCode) =>
    newAgent().createAccount({ ...newAccountInput('inv'), ...(inviteCode ? { inviteCode } : {}) })

  await s.step('describeServer says invite codes are required', async () => {
    const { data } = await server.describeServer()
    assert.equal(data.inviteCodeRequired, true)
  })

  await s.step('createAccount without a code is InvalidInviteCode', async () => {
    await expectXrpcError(signUp(undefined), { status: 400, error: 'InvalidInviteCode' })
  })

  await s.step('createAccount with an unknown code is InvalidInviteCode', async () => {
    await expectXrpcError(signUp('localhost-aaaaa-bbbbb'), { status: 400, error: 'InvalidInviteCode' })
  })

  await s.step('createInviteCode without credentials is refused', async () => {
    await expectXrpcError(server.createInviteCode({ useCount: 1 }), { status: 401, error: 'AuthenticationRequired' })
  })

  await s.step('createInviteCode with a wrong admin password is refused', async () => {
    await expectXrpcError(
      server.createInviteCode({ useCount: 1 }, { headers: adminHeaders(env.adminPassword + 'x') }),
      {
        status: 401,
        error: 'AuthenticationRequired',
      },
    )
  })

  let single, double
  await s.step('the admin creates a single-use and a two-use code', async () => {
    single = (await server.createInviteCode({ useCount: 1 }, { headers: adminHeaders() })).data.code
    double = (await server.createInviteCode({ useCount: 2 }, { headers: adminHeaders() })).data.code
    assert.equal(typeof single, 'string')
    assert.notEqual(single, double)
  })

  let invited
  await s.step('createAccount with the code works', async () => {
    const res = await signUp(single)
    assert.match(res.data.did, /^did:plc:/)
    invited = res.data
  })

  await s.step('the used-up code is InvalidInviteCode', async () => {
    await expectXrpcError(signUp(single), { status: 400, error: 'InvalidInviteCode' })
  })

  await s.step('a two-use code admits two accounts, then no more', async () => {
    await signUp(double)
    await signUp(double)
    await expectXrpcError(signUp(double), { status: 400, error: 'InvalidInviteCode' })
  })

  const invitedAgent = newAgent()
  await s.step('the invited account signs in', async () => {
    await invitedAgent.resumeSession({ ...invited, active: true })
    const { data } = await invitedAgent.com.atproto.server.getSession()
    assert.equal(data.did, invited.did)
  })

  await s.step('getAccountInviteCodes of a new account lists no codes', async () => {
    const { data } = await invitedAgent.com.atproto.server.getAccountInviteCodes()
    assert.deepEqual(data, { codes: [] })
  })

  await s.step('getAccountInviteCodes without a session is AuthMissing', async () => {
    await expectXrpcError(newAgent().com.atproto.server.getAccountInviteCodes(), { status: 401, error: 'AuthMissing' })
  })

  let given
  await s.step('the admin gives the account two codes; getAccountInviteCodes lists them', async () => {
    const before = Date.now() - 1000
    const res = await server.createInviteCodes(
      { codeCount: 2, useCount: 1, forAccounts: [invited.did] },
      { headers: adminHeaders() },
    )
    assert.equal(res.data.codes.length, 1)
    assert.equal(res.data.codes[0].account, invited.did)
    given = res.data.codes[0].codes
    assert.equal(given.length, 2)
    const { data } = await invitedAgent.com.atproto.server.getAccountInviteCodes()
    assert.deepEqual(data.codes.map((c) => c.code).sort(), [...given].sort())
    for (const c of data.codes) {
      assert.equal(c.available, 1)
      assert.equal(c.disabled, false)
      assert.equal(c.forAccount, invited.did)
      assert.equal(c.createdBy, 'admin')
      assert.deepEqual(c.uses, [])
      assert.ok(Date.parse(c.createdAt) >= before, `createdAt ${c.createdAt}`)
    }
  })

  await s.step('a code used for a sign-up lists its use; includeUsed:false leaves it out', async () => {
    const friend = await signUp(given[0])
    const all = (await invitedAgent.com.atproto.server.getAccountInviteCodes()).data.codes
    const used = all.find((c) => c.code === given[0])
    assert.equal(used.uses.length, 1)
    assert.equal(used.uses[0].usedBy, friend.data.did)
    assert.ok(!Number.isNaN(Date.parse(used.uses[0].usedAt)), `usedAt ${used.uses[0].usedAt}`)
    assert.deepEqual(all.find((c) => c.code === given[1]).uses, [])
    const { data } = await invitedAgent.com.atproto.server.getAccountInviteCodes({ includeUsed: false })
    assert.deepEqual(
      data.codes.map((c) => c.code),
      [given[1]],
    )
  })
})
