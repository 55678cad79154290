// deactivation.mjs: deactivateAccount and activateAccount. While
// deactivated the account still signs in (reported inactive), every repo
// write is refused with AccountDeactivated, describeRepo reports
// RepoDeactivated and checkAccountStatus says activated: false; after
// activateAccount writes work again.
import { assert, createAccount, expectXrpcError, newAgent, scenario } from './lib.mjs'

const POST = 'app.bsky.feed.post'
const now = () => new Date().toISOString()

await scenario('deactivation', async (s) => {
  let user, repo, post
  await s.step('createAccount and a first post', async () => {
    user = await createAccount('deac')
    repo = user.agent.com.atproto.repo
    post = (
      await repo.createRecord({
        repo: user.did,
        collection: POST,
        record: { $type: POST, text: 'before', createdAt: now() },
      })
    ).data
  })

  await s.step('checkAccountStatus of an active account', async () => {
    const { data } = await user.agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.activated, true)
    assert.equal(data.validDid, true)
    assert.equal(data.repoCommit, post.commit.cid)
    assert.equal(data.repoRev, post.commit.rev)
    assert.equal(data.indexedRecords, 1)
    assert.ok(data.repoBlocks > 0, `repoBlocks ${data.repoBlocks}`)
  })

  await s.step('deactivateAccount', async () => {
    await user.agent.com.atproto.server.deactivateAccount({})
  })

  await s.step('checkAccountStatus says deactivated', async () => {
    const { data } = await user.agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.activated, false)
  })

  await s.step('getSession reports the account inactive', async () => {
    const { data } = await user.agent.com.atproto.server.getSession()
    assert.equal(data.active, false)
    assert.equal(data.status, 'deactivated')
  })

  await s.step('login still works and reports the account inactive', async () => {
    const res = await newAgent().login({ identifier: user.handle, password: user.password })
    assert.equal(res.data.active, false)
    assert.equal(res.data.status, 'deactivated')
  })

  const deactivated = { status: 401, error: 'AccountDeactivated' }
  await s.step('createRecord is AccountDeactivated', async () => {
    await expectXrpcError(
      repo.createRecord({
        repo: user.did,
        collection: POST,
        record: { $type: POST, text: 'while away', createdAt: now() },
      }),
      deactivated,
    )
  })

  await s.step('putRecord is AccountDeactivated', async () => {
    await expectXrpcError(
      repo.putRecord({
        repo: user.did,
        collection: 'app.bsky.actor.profile',
        rkey: 'self',
        record: { $type: 'app.bsky.actor.profile', displayName: 'away' },
      }),
      deactivated,
    )
  })

  await s.step('deleteRecord is AccountDeactivated', async () => {
    await expectXrpcError(
      repo.deleteRecord({ repo: user.did, collection: POST, rkey: post.uri.split('/').pop() }),
      deactivated,
    )
  })

  await s.step('applyWrites is AccountDeactivated', async () => {
    await expectXrpcError(
      repo.applyWrites({
        repo: user.did,
        writes: [
          {
            $type: 'com.atproto.repo.applyWrites#create',
            collection: POST,
            value: { $type: POST, text: 'batch while away', createdAt: now() },
          },
        ],
      }),
      deactivated,
    )
  })

  await s.step('describeRepo is RepoDeactivated', async () => {
    await expectXrpcError(newAgent().com.atproto.repo.describeRepo({ repo: user.did }), {
      status: 400,
      error: 'RepoDeactivated',
    })
  })

  await s.step('getRecord and listRecords of the deactivated repo are refused', async () => {
    const reader = newAgent().com.atproto.repo
    await expectXrpcError(reader.getRecord({ repo: user.did, collection: POST, rkey: post.uri.split('/').pop() }), {
      status: 400,
      error: 'InvalidRequest',
    })
    await expectXrpcError(reader.listRecords({ repo: user.did, collection: POST }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('activateAccount', async () => {
    await user.agent.com.atproto.server.activateAccount()
    const { data } = await user.agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.activated, true)
    const session = await user.agent.com.atproto.server.getSession()
    assert.notEqual(session.data.active, false)
    assert.equal(session.data.status, undefined)
  })

  await s.step('writes work again and the first post is intact', async () => {
    const { data } = await repo.createRecord({
      repo: user.did,
      collection: POST,
      record: { $type: POST, text: 'back', createdAt: now() },
    })
    assert.ok(data.commit.rev > post.commit.rev)
    const got = await repo.getRecord({ repo: user.did, collection: POST, rkey: post.uri.split('/').pop() })
    assert.equal(got.data.cid, post.cid)
  })
})
