// identity.mjs: updateHandle then resolveHandle (and the PLC document
// follows); getRecommendedDidCredentials; the PLC credential flow a
// migrating or key-adding client runs: requestPlcOperationSignature, the
// token from the mail outbox, signPlcOperation, submitPlcOperation; then
// the PLC audit log, fetched from the directory, holds the operation.
import {
  assert,
  createAccount,
  env,
  expectXrpcError,
  mailedToken,
  newAgent,
  newDidKey,
  plcGet,
  scenario,
  unique,
} from './lib.mjs'

await scenario('identity', async (s) => {
  let user, identity, newHandle
  await s.step('createAccount', async () => {
    user = await createAccount('idnt')
    identity = user.agent.com.atproto.identity
  })

  await s.step('updateHandle to a handle another account holds is HandleNotAvailable', async () => {
    const other = await createAccount('othr')
    await expectXrpcError(identity.updateHandle({ handle: other.handle }), { status: 400, error: 'HandleNotAvailable' })
  })

  await s.step('updateHandle to a handle part longer than 18 characters is InvalidHandle', async () => {
    await expectXrpcError(identity.updateHandle({ handle: `abcdefghijklmnopqrs${env.handleDomain}` }), {
      status: 400,
      error: 'InvalidHandle',
    })
  })

  await s.step('updateHandle', async () => {
    newHandle = `${unique('renm')}${env.handleDomain}`
    await identity.updateHandle({ handle: newHandle })
  })

  await s.step('resolveHandle finds the new handle', async () => {
    const { data } = await newAgent().com.atproto.identity.resolveHandle({ handle: newHandle })
    assert.equal(data.did, user.did)
  })

  await s.step('resolveHandle of the old handle is HandleNotFound', async () => {
    await expectXrpcError(newAgent().com.atproto.identity.resolveHandle({ handle: user.handle }), {
      status: 400,
      error: 'HandleNotFound',
    })
  })

  await s.step('the session, describeRepo and the PLC document carry the new handle', async () => {
    const session = await user.agent.com.atproto.server.getSession()
    assert.equal(session.data.handle, newHandle)
    const repo = await user.agent.com.atproto.repo.describeRepo({ repo: user.did })
    assert.equal(repo.data.handle, newHandle)
    assert.equal(repo.data.handleIsCorrect, true)
    const data = await plcGet(`/${user.did}/data`)
    assert.deepEqual(data.alsoKnownAs, [`at://${newHandle}`])
  })

  await s.step('login by the new handle', async () => {
    const res = await newAgent().login({ identifier: newHandle, password: user.password })
    assert.equal(res.data.did, user.did)
  })

  let recommended
  await s.step('getRecommendedDidCredentials matches the PLC document', async () => {
    const { data } = await identity.getRecommendedDidCredentials()
    recommended = data
    const current = await plcGet(`/${user.did}/data`)
    assert.deepEqual(data.alsoKnownAs, [`at://${newHandle}`])
    assert.match(data.verificationMethods.atproto, /^did:key:z/)
    assert.equal(data.verificationMethods.atproto, current.verificationMethods.atproto)
    assert.ok(data.rotationKeys.length >= 1, 'rotationKeys')
    for (const k of data.rotationKeys) {
      assert.ok(
        current.rotationKeys.includes(k),
        `rotation key ${k} not in the PLC document ${JSON.stringify(current.rotationKeys)}`,
      )
    }
    assert.deepEqual(data.services, { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: env.url } })
  })

  await s.step('signPlcOperation without a token is refused', async () => {
    await expectXrpcError(identity.signPlcOperation({ rotationKeys: recommended.rotationKeys }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('signPlcOperation with a wrong token is InvalidToken', async () => {
    await expectXrpcError(identity.signPlcOperation({ token: 'AAAAA-BBBBB', rotationKeys: recommended.rotationKeys }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  const extraKey = newDidKey()
  let token, operation
  await s.step('requestPlcOperationSignature mails a token', async () => {
    token = await mailedToken(user.email, () => identity.requestPlcOperationSignature())
  })

  await s.step('signPlcOperation with the token signs the update', async () => {
    const { data } = await identity.signPlcOperation({
      token,
      rotationKeys: [extraKey, ...recommended.rotationKeys],
      alsoKnownAs: recommended.alsoKnownAs,
      verificationMethods: recommended.verificationMethods,
      services: recommended.services,
    })
    operation = data.operation
    const last = await plcGet(`/${user.did}/log/last`)
    assert.equal(operation.type, 'plc_operation')
    assert.deepEqual(operation.rotationKeys, [extraKey, ...recommended.rotationKeys])
    assert.deepEqual(operation.alsoKnownAs, [`at://${newHandle}`])
    assert.equal(typeof operation.sig, 'string')
    assert.ok(operation.prev, 'prev names the last operation')
    assert.notDeepEqual(operation.prev, null)
    assert.equal(operation.verificationMethods.atproto, last.verificationMethods.atproto)
  })

  await s.step('the token is spent once used', async () => {
    await expectXrpcError(identity.signPlcOperation({ token, rotationKeys: recommended.rotationKeys }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('submitPlcOperation sends it to the directory', async () => {
    await identity.submitPlcOperation({ operation })
  })

  await s.step('the PLC audit log holds the operation', async () => {
    const log = await plcGet(`/${user.did}/log/audit`)
    assert.ok(Array.isArray(log), 'audit log is an array')
    // genesis, the handle update, the signed operation
    assert.equal(log.length, 3, `audit log: ${JSON.stringify(log.map((e) => e.operation.type))}`)
    assert.equal(log[0].operation.prev, null)
    const last = log[log.length - 1]
    assert.equal(last.did, user.did)
    assert.equal(last.nullified, false)
    assert.equal(last.operation.sig, operation.sig)
    assert.equal(last.operation.prev, log[1].cid)
    assert.deepEqual(last.operation.rotationKeys, [extraKey, ...recommended.rotationKeys])
    const data = await plcGet(`/${user.did}/data`)
    assert.deepEqual(data.rotationKeys, [extraKey, ...recommended.rotationKeys])
  })

  await s.step('submitPlcOperation refuses an operation that moves the account elsewhere', async () => {
    const t = await mailedToken(user.email, () => identity.requestPlcOperationSignature())
    const { data } = await identity.signPlcOperation({
      token: t,
      services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://elsewhere.example.com' } },
    })
    await expectXrpcError(identity.submitPlcOperation({ operation: data.operation }), {
      status: 400,
      error: 'InvalidRequest',
    })
    const log = await plcGet(`/${user.did}/log/audit`)
    assert.equal(log.length, 3, 'the refused operation did not reach the directory')
  })

  await s.step('checkAccountStatus still finds the DID valid', async () => {
    const { data } = await user.agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.validDid, true)
  })
})
