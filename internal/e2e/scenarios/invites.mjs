// invites.mjs: sign-up on a node that requires invite codes. The admin
// creates codes with com.atproto.server.createInviteCode under Basic
// auth; sign-up without a code, with an unknown code and with a used-up
// code is refused with InvalidInviteCode; each code admits useCount
// accounts.
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

  await s.step('the invited account signs in', async () => {
    const a = newAgent()
    await a.resumeSession({ ...invited, active: true })
    const { data } = await a.com.atproto.server.getSession()
    assert.equal(data.did, invited.did)
  })
})
