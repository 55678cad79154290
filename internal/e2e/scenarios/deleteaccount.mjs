// deleteaccount.mjs: requestAccountDelete mails a token; deleteAccount
// refuses a wrong password or token, then deletes the account with the
// emailed token; afterwards the account cannot sign in and its handle and
// repo are gone.
import { assert, createAccount, expectXrpcError, mailedToken, newAgent, scenario } from './lib.mjs'

const POST = 'app.bsky.feed.post'

await scenario('delete account', async (s) => {
  let user, token
  await s.step('createAccount and a post', async () => {
    user = await createAccount('dele')
    await user.agent.post({ text: 'soon gone', createdAt: new Date().toISOString() })
  })
  const server = () => user.agent.com.atproto.server

  await s.step('deleteAccount before any token was asked for is InvalidToken', async () => {
    await expectXrpcError(server().deleteAccount({ did: user.did, password: user.password, token: 'AAAAA-BBBBB' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('requestAccountDelete mails a token in the reference shape', async () => {
    token = await mailedToken(user.email, () => server().requestAccountDelete())
    assert.match(token, /^[A-Z2-7]{5}-[A-Z2-7]{5}$/)
  })

  await s.step('deleteAccount with a wrong password is refused', async () => {
    await expectXrpcError(server().deleteAccount({ did: user.did, password: user.password + 'x', token }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
  })

  await s.step('deleteAccount with a wrong token is InvalidToken', async () => {
    const wrong = token === 'AAAAA-BBBBB' ? 'BBBBB-AAAAA' : 'AAAAA-BBBBB'
    await expectXrpcError(server().deleteAccount({ did: user.did, password: user.password, token: wrong }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('deleteAccount with the emailed token', async () => {
    // Called without a session, as the reference allows.
    await newAgent().com.atproto.server.deleteAccount({ did: user.did, password: user.password, token })
  })

  await s.step('createSession fails for the deleted account, by handle and by email', async () => {
    await expectXrpcError(newAgent().login({ identifier: user.handle, password: user.password }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
    await expectXrpcError(newAgent().login({ identifier: user.email, password: user.password }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
  })

  await s.step('the handle no longer resolves', async () => {
    await expectXrpcError(newAgent().com.atproto.identity.resolveHandle({ handle: user.handle }), {
      status: 400,
      error: 'HandleNotFound',
    })
  })

  await s.step('describeRepo is RepoNotFound', async () => {
    await expectXrpcError(newAgent().com.atproto.repo.describeRepo({ repo: user.did }), {
      status: 400,
      error: 'RepoNotFound',
    })
  })

  await s.step('listRecords finds no repo', async () => {
    await expectXrpcError(newAgent().com.atproto.repo.listRecords({ repo: user.did, collection: POST }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('deleteAccount again is refused', async () => {
    await expectXrpcError(
      newAgent().com.atproto.server.deleteAccount({ did: user.did, password: user.password, token }),
      {
        status: 400,
        error: 'InvalidRequest',
      },
    )
  })

  await s.step('the handle and email are free again for a new account', async () => {
    const again = newAgent()
    const res = await again.createAccount({ handle: user.handle, email: user.email, password: user.password })
    assert.equal(res.data.handle, user.handle)
    assert.notEqual(res.data.did, user.did)
  })
})
