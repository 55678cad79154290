// resolve.mjs: com.atproto.identity.resolveDid, resolveIdentity and
// refreshIdentity. Documents of an account here and of a DID made in the
// PLC directory by the script; the handle checked both ways (a document
// claiming a handle nobody holds gives handle.invalid); unknown and
// malformed identifiers refused. The user, who signed up with a recovery
// key of their own, then changes their PLC document behind the server's
// back: resolveIdentity keeps the cached answer, refreshIdentity fetches
// the new one and caches it.
import {
  assert,
  createAccount,
  env,
  expectXrpcError,
  newAgent,
  newKeyPair,
  plcDidOf,
  plcGet,
  plcSubmit,
  scenario,
  signPlcOperation,
  unique,
} from './lib.mjs'

// A document's PDS endpoint and #atproto key, wherever its ids are
// relative or absolute.
const pdsOf = (doc) => doc.service?.find((sv) => sv.id.endsWith('#atproto_pds'))
const keyOf = (doc) => doc.verificationMethod?.find((vm) => vm.id.endsWith('#atproto'))

await scenario('resolve', async (s) => {
  const recovery = newKeyPair()
  let user
  await s.step('createAccount with a recovery key the user holds', async () => {
    user = await createAccount('rslv', { recoveryKey: recovery.didKey })
    const data = await plcGet(`/${user.did}/data`)
    assert.equal(data.rotationKeys[0], recovery.didKey)
  })
  const identity = () => newAgent().com.atproto.identity

  await s.step('resolveDid returns the document the PLC directory holds', async () => {
    const { data } = await identity().resolveDid({ did: user.did })
    const doc = data.didDoc
    const plc = await plcGet(`/${user.did}`)
    assert.equal(doc.id, user.did)
    assert.deepEqual(doc.alsoKnownAs, [`at://${user.handle}`])
    assert.equal(pdsOf(doc)?.type, 'AtprotoPersonalDataServer')
    assert.equal(pdsOf(doc)?.serviceEndpoint, env.url)
    assert.equal(keyOf(doc)?.publicKeyMultibase, keyOf(plc).publicKeyMultibase)
    assert.equal(keyOf(doc)?.controller, user.did)
  })

  await s.step('resolveDid of an unknown did:plc is DidNotFound', async () => {
    await expectXrpcError(identity().resolveDid({ did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }), {
      status: 400,
      error: 'DidNotFound',
    })
  })

  await s.step('resolveDid of a malformed DID or an unsupported method is InvalidRequest', async () => {
    await expectXrpcError(identity().resolveDid({ did: 'nope' }), { status: 400, error: 'InvalidRequest' })
    await expectXrpcError(identity().resolveDid({ did: 'did:example:123' }), { status: 400, error: 'InvalidRequest' })
  })

  await s.step('resolveIdentity by DID, by handle and by handle in upper case', async () => {
    for (const identifier of [user.did, user.handle, user.handle.toUpperCase()]) {
      const { data } = await identity().resolveIdentity({ identifier })
      assert.equal(data.did, user.did, identifier)
      assert.equal(data.handle, user.handle, identifier)
      assert.equal(data.didDoc.id, user.did, identifier)
      assert.equal(pdsOf(data.didDoc)?.serviceEndpoint, env.url, identifier)
    }
  })

  await s.step('resolveIdentity of a handle nobody holds is HandleNotFound', async () => {
    await expectXrpcError(identity().resolveIdentity({ identifier: `${unique('nobody')}${env.handleDomain}` }), {
      status: 400,
      error: 'HandleNotFound',
    })
  })

  await s.step('resolveIdentity of an unknown DID is DidNotFound; of a malformed one InvalidRequest', async () => {
    await expectXrpcError(identity().resolveIdentity({ identifier: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }), {
      status: 400,
      error: 'DidNotFound',
    })
    await expectXrpcError(identity().resolveIdentity({ identifier: 'not_an_identifier' }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('a DID whose document claims a handle nobody holds resolves with handle.invalid', async () => {
    const key = newKeyPair()
    const claimed = `${unique('claim')}${env.handleDomain}`
    const genesis = signPlcOperation(
      {
        type: 'plc_operation',
        rotationKeys: [key.didKey],
        verificationMethods: { atproto: key.didKey },
        alsoKnownAs: [`at://${claimed}`],
        services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://elsewhere.example.com' } },
        prev: null,
      },
      key.privateKey,
    )
    const did = plcDidOf(genesis)
    await plcSubmit(did, genesis)
    const { data } = await identity().resolveIdentity({ identifier: did })
    assert.equal(data.did, did)
    assert.equal(data.handle, 'handle.invalid')
    assert.deepEqual(data.didDoc.alsoKnownAs, [`at://${claimed}`])
    assert.equal(pdsOf(data.didDoc)?.serviceEndpoint, 'https://elsewhere.example.com')
    const resolved = await identity().resolveDid({ did })
    assert.equal(resolved.data.didDoc.id, did)
  })

  // The user moves their handle claim elsewhere, signing the PLC update
  // with their recovery key; this server is not told.
  const elsewhere = `${unique('away')}.example.com`
  const updateDocument = async (alsoKnownAs) => {
    const [last, log] = [await plcGet(`/${user.did}/data`), await plcGet(`/${user.did}/log/audit`)]
    const op = signPlcOperation(
      {
        type: 'plc_operation',
        rotationKeys: last.rotationKeys,
        verificationMethods: last.verificationMethods,
        alsoKnownAs,
        services: last.services,
        prev: log[log.length - 1].cid,
      },
      recovery.privateKey,
    )
    await plcSubmit(user.did, op)
  }

  await s.step('the user changes their PLC document with their recovery key', async () => {
    await updateDocument([`at://${elsewhere}`])
    const data = await plcGet(`/${user.did}/data`)
    assert.deepEqual(data.alsoKnownAs, [`at://${elsewhere}`])
  })

  await s.step('resolveIdentity still answers from its cache', async () => {
    const { data } = await identity().resolveIdentity({ identifier: user.did })
    assert.equal(data.handle, user.handle)
    assert.deepEqual(data.didDoc.alsoKnownAs, [`at://${user.handle}`])
  })

  await s.step('refreshIdentity fetches the new document: the DID no longer claims its handle', async () => {
    const { data } = await user.agent.com.atproto.identity.refreshIdentity({ identifier: user.did })
    assert.equal(data.did, user.did)
    assert.equal(data.handle, 'handle.invalid')
    assert.deepEqual(data.didDoc.alsoKnownAs, [`at://${elsewhere}`])
  })

  await s.step('resolveDid and resolveIdentity now answer with the refreshed document', async () => {
    const { data } = await identity().resolveIdentity({ identifier: user.did })
    assert.equal(data.handle, 'handle.invalid')
    const resolved = await identity().resolveDid({ did: user.did })
    assert.deepEqual(resolved.data.didDoc.alsoKnownAs, [`at://${elsewhere}`])
  })

  await s.step('resolveIdentity by the handle the document no longer claims is HandleMismatch', async () => {
    await expectXrpcError(identity().resolveIdentity({ identifier: user.handle }), {
      status: 400,
      error: 'HandleMismatch',
    })
  })

  await s.step('the document claims the handle again; refreshIdentity by handle confirms it', async () => {
    await updateDocument([`at://${user.handle}`])
    const { data } = await user.agent.com.atproto.identity.refreshIdentity({ identifier: user.handle })
    assert.equal(data.did, user.did)
    assert.equal(data.handle, user.handle)
    assert.deepEqual(data.didDoc.alsoKnownAs, [`at://${user.handle}`])
  })

  await s.step(
    'refreshIdentity of a malformed identifier is InvalidRequest; of an unknown DID DidNotFound',
    async () => {
      await expectXrpcError(user.agent.com.atproto.identity.refreshIdentity({ identifier: 'not_an_identifier' }), {
        status: 400,
        error: 'InvalidRequest',
      })
      await expectXrpcError(
        user.agent.com.atproto.identity.refreshIdentity({ identifier: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }),
        { status: 400, error: 'DidNotFound' },
      )
    },
  )
})
