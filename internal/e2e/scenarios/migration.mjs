// migration.mjs: an account moving here from another PDS, as a migration
// tool drives it. reserveSigningKey for the DID; createAccount with the
// DID and a service token the DID signed (the account starts deactivated,
// holding the reserved key); importRepo of the old PDS's repository CAR;
// listMissingBlobs until every blob the records name is uploaded again;
// getRecommendedDidCredentials, the PLC update, activateAccount; then the
// moved account serves and takes writes, and importRepo of its own
// sync.getRepo export puts the repository back as it was. The old PDS is
// played by the script: the user's DID, keys, service token and CAR are
// made with lib.mjs, the PLC operations signed with the user's own
// rotation key.
import {
  Agent,
  BlobRef,
  assert,
  cidOf,
  createAccount,
  env,
  expectXrpcError,
  layerZeroRkey,
  newAccountInput,
  newAgent,
  newKeyPair,
  newTid,
  parseDidKey,
  plcDidOf,
  plcGet,
  plcSubmit,
  rawCid,
  repoCAR,
  scenario,
  signJwt,
  signPlcOperation,
  tinyPNG,
} from './lib.mjs'

const POST = 'app.bsky.feed.post'
const CAR = 'application/vnd.ipld.car'
const rkeyOf = (uri) => uri.split('/').pop()
const nowSeconds = () => Math.floor(Date.now() / 1000)

// Two images the old PDS held; the second is the first with trailing
// bytes, still sniffed as PNG but another blob.
const images = [tinyPNG, Buffer.concat([tinyPNG, Buffer.from('second image')])]

function imagePost(text, bytes) {
  return {
    $type: POST,
    text,
    createdAt: new Date().toISOString(),
    embed: {
      $type: 'app.bsky.embed.images',
      images: [
        {
          alt: text,
          image: { $type: 'blob', ref: cidOf(bytes, { raw: true }), mimeType: 'image/png', size: bytes.length },
        },
      ],
    },
  }
}

await scenario('migration', async (s) => {
  let serviceDid
  await s.step('reserveSigningKey without a DID returns a fresh secp256k1 did:key each time', async () => {
    const server = newAgent().com.atproto.server
    serviceDid = (await server.describeServer()).data.did
    const a = (await server.reserveSigningKey({})).data.signingKey
    const b = (await server.reserveSigningKey({})).data.signingKey
    assert.match(a, /^did:key:zQ3s[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal(parseDidKey(a).curve, 'secp256k1')
    assert.notEqual(a, b)
  })

  await s.step('reserveSigningKey with a malformed DID is InvalidRequest', async () => {
    await expectXrpcError(newAgent().com.atproto.server.reserveSigningKey({ did: 'not-a-did' }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  // The user's identity on the old PDS: one key, both rotation key and
  // repository signing key there.
  const old = newKeyPair()
  const input = newAccountInput('move')
  let did
  await s.step('the DID is created on the old PDS', async () => {
    const genesis = signPlcOperation(
      {
        type: 'plc_operation',
        rotationKeys: [old.didKey],
        verificationMethods: { atproto: old.didKey },
        alsoKnownAs: [`at://${input.handle}`],
        services: { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: 'https://old-pds.example.com' } },
        prev: null,
      },
      old.privateKey,
    )
    did = plcDidOf(genesis)
    await plcSubmit(did, genesis)
    const data = await plcGet(`/${did}/data`)
    assert.equal(data.verificationMethods.atproto, old.didKey)
  })

  let reserved
  await s.step('reserveSigningKey for the DID returns one key, the same when asked again', async () => {
    const server = newAgent().com.atproto.server
    reserved = (await server.reserveSigningKey({ did })).data.signingKey
    assert.match(reserved, /^did:key:zQ3s/)
    assert.equal((await server.reserveSigningKey({ did })).data.signingKey, reserved)
  })

  // What the old PDS's getServiceAuth would give: a token the DID's key
  // signed for this server, for createAccount.
  const serviceToken = (claims = {}, key = old.privateKey) =>
    signJwt(
      {
        iss: did,
        aud: serviceDid,
        lxm: 'com.atproto.server.createAccount',
        iat: nowSeconds(),
        exp: nowSeconds() + 60,
        jti: newTid(),
        ...claims,
      },
      key,
    )
  const createWith = (token) =>
    newAgent().com.atproto.server.createAccount(
      { ...input, did },
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    )

  await s.step('createAccount with the DID and no service token is AuthenticationRequired', async () => {
    await expectXrpcError(createWith(undefined), { status: 401, error: 'AuthenticationRequired' })
  })

  await s.step('createAccount with a token signed by another key is BadJwtSignature', async () => {
    await expectXrpcError(createWith(serviceToken({}, newKeyPair().privateKey)), {
      status: 401,
      error: 'BadJwtSignature',
    })
  })

  await s.step('createAccount with a token for another method is BadJwtLexiconMethod', async () => {
    await expectXrpcError(createWith(serviceToken({ lxm: 'com.atproto.repo.createRecord' })), {
      status: 401,
      error: 'BadJwtLexiconMethod',
    })
  })

  await s.step('createAccount with a token for another service is BadJwtAudience', async () => {
    await expectXrpcError(createWith(serviceToken({ aud: 'did:web:elsewhere.example.com' })), {
      status: 401,
      error: 'BadJwtAudience',
    })
  })

  await s.step('createAccount with an expired token is JwtExpired', async () => {
    await expectXrpcError(createWith(serviceToken({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 })), {
      status: 401,
      error: 'JwtExpired',
    })
  })

  // The new account's session. Its DID document still names the old PDS,
  // where an AtpAgent would send its calls, so a plain Agent with the
  // token in a header talks to this node.
  let agent
  await s.step('createAccount with the DID and its service token', async () => {
    const { data } = await createWith(serviceToken())
    assert.equal(data.did, did)
    assert.equal(data.handle, input.handle)
    agent = new Agent({ service: env.url, headers: { authorization: `Bearer ${data.accessJwt}` } })
  })

  await s.step('the moved account starts deactivated, holding the reserved key', async () => {
    const session = await agent.com.atproto.server.getSession()
    assert.equal(session.data.did, did)
    assert.equal(session.data.active, false)
    assert.equal(session.data.status, 'deactivated')
    const status = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(status.data.activated, false)
    assert.equal(status.data.validDid, false, 'the DID still points at the old PDS')
    const { data } = await agent.com.atproto.identity.getRecommendedDidCredentials()
    assert.equal(data.verificationMethods.atproto, reserved)
    assert.deepEqual(data.alsoKnownAs, [`at://${input.handle}`])
    assert.deepEqual(data.services, { atproto_pds: { type: 'AtprotoPersonalDataServer', endpoint: env.url } })
  })

  await s.step('the reservation is used up: reserveSigningKey for the DID gives a new key', async () => {
    const { data } = await newAgent().com.atproto.server.reserveSigningKey({ did })
    assert.match(data.signingKey, /^did:key:zQ3s/)
    assert.notEqual(data.signingKey, reserved)
  })

  await s.step('the handle does not resolve here while the account is deactivated', async () => {
    await expectXrpcError(newAgent().com.atproto.identity.resolveHandle({ handle: input.handle }), {
      status: 400,
      error: 'HandleNotFound',
    })
  })

  // The old PDS's repository: two image posts and a plain one.
  const rev = newTid()
  const exported = repoCAR({
    did,
    rev,
    privateKey: old.privateKey,
    records: [
      { collection: POST, rkey: layerZeroRkey(POST), value: imagePost('first image', images[0]) },
      { collection: POST, rkey: layerZeroRkey(POST), value: imagePost('second image', images[1]) },
      {
        collection: POST,
        rkey: layerZeroRkey(POST),
        value: { $type: POST, text: 'no image', createdAt: new Date().toISOString() },
      },
    ],
  })
  // byImage[i] is the URI of the post naming images[i].
  const byImage = []
  const postOf = (i) => exported.records.find((r) => r.uri === byImage[i])

  await s.step('importRepo refuses a repository of another DID', async () => {
    const other = repoCAR({
      did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
      privateKey: old.privateKey,
      records: [
        {
          collection: POST,
          rkey: layerZeroRkey(POST),
          value: { $type: POST, text: 'not mine', createdAt: new Date().toISOString() },
        },
      ],
    })
    await expectXrpcError(agent.com.atproto.repo.importRepo(other.car, { encoding: CAR }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('importRepo refuses bytes that are not a CAR, and a truncated CAR', async () => {
    await expectXrpcError(agent.com.atproto.repo.importRepo(Buffer.from('not a car'), { encoding: CAR }), {
      status: 400,
      error: 'InvalidRequest',
    })
    await expectXrpcError(
      agent.com.atproto.repo.importRepo(exported.car.subarray(0, exported.car.length - 20), { encoding: CAR }),
      { status: 400, error: 'InvalidRequest' },
    )
  })

  await s.step('importRepo without a session is AuthMissing', async () => {
    await expectXrpcError(newAgent().com.atproto.repo.importRepo(exported.car, { encoding: CAR }), {
      status: 401,
      error: 'AuthMissing',
    })
  })

  await s.step('importRepo of the old PDS repository into the deactivated account', async () => {
    const res = await agent.com.atproto.repo.importRepo(exported.car, { encoding: CAR })
    assert.equal(res.success, true)
    const { data } = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.activated, false)
    assert.equal(data.indexedRecords, 3)
    assert.equal(data.expectedBlobs, 2)
    assert.equal(data.importedBlobs, 0)
    // Signed again here, with the account's key, under a later revision.
    assert.notEqual(data.repoCommit, exported.commit.toString())
    assert.ok(data.repoRev > rev, `repoRev ${data.repoRev} after the imported ${rev}`)
  })

  await s.step('listMissingBlobs pages through the two blobs the imported posts name', async () => {
    const seen = []
    let cursor
    for (let page = 0; page < 3; page++) {
      const { data } = await agent.com.atproto.repo.listMissingBlobs({ limit: 1, cursor })
      if (data.blobs.length === 0) {
        assert.equal(data.cursor, undefined, 'no cursor after the last page')
        break
      }
      assert.equal(data.blobs.length, 1)
      assert.equal(typeof data.cursor, 'string')
      seen.push(...data.blobs)
      cursor = data.cursor
    }
    assert.equal(seen.length, 2, `missing blobs ${JSON.stringify(seen)}`)
    for (const [i, bytes] of images.entries()) {
      const item = seen.find((b) => b.cid === rawCid(bytes))
      assert.ok(item, `image ${i} (${rawCid(bytes)}) not listed in ${JSON.stringify(seen)}`)
      assert.ok(
        exported.records.some((r) => r.uri === item.recordUri),
        `recordUri ${item.recordUri} is not an imported record`,
      )
      byImage[i] = item.recordUri
    }
    assert.notEqual(byImage[0], byImage[1])
  })

  await s.step('uploadBlob of one image while deactivated; listMissingBlobs lists only the other', async () => {
    const { data } = await agent.com.atproto.repo.uploadBlob(images[0], { encoding: 'image/png' })
    assert.equal(data.blob.ref.toString(), rawCid(images[0]))
    const missing = await agent.com.atproto.repo.listMissingBlobs({})
    assert.deepEqual(missing.data.blobs, [{ cid: rawCid(images[1]), recordUri: byImage[1] }])
    const status = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(status.data.importedBlobs, 1)
  })

  await s.step('uploadBlob of the other; listMissingBlobs is empty', async () => {
    await agent.com.atproto.repo.uploadBlob(images[1], { encoding: 'image/png' })
    const { data } = await agent.com.atproto.repo.listMissingBlobs({})
    assert.deepEqual(data.blobs, [])
    assert.equal(data.cursor, undefined)
    const status = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(status.data.importedBlobs, 2)
    assert.equal(status.data.expectedBlobs, 2)
  })

  await s.step('activateAccount before the DID points here is refused', async () => {
    await expectXrpcError(agent.com.atproto.server.activateAccount(), { status: 400, error: 'InvalidRequest' })
  })

  await s.step('the user points the DID here with the recommended credentials', async () => {
    const { data: rec } = await agent.com.atproto.identity.getRecommendedDidCredentials()
    const log = await plcGet(`/${did}/log/audit`)
    const op = signPlcOperation(
      {
        type: 'plc_operation',
        rotationKeys: [old.didKey, ...rec.rotationKeys],
        verificationMethods: rec.verificationMethods,
        alsoKnownAs: rec.alsoKnownAs,
        services: rec.services,
        prev: log[log.length - 1].cid,
      },
      old.privateKey,
    )
    await plcSubmit(did, op)
    const status = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(status.data.validDid, true)
    assert.equal(status.data.activated, false)
  })

  await s.step('activateAccount', async () => {
    await agent.com.atproto.server.activateAccount()
    const { data } = await agent.com.atproto.server.checkAccountStatus()
    assert.equal(data.activated, true)
    assert.equal(data.validDid, true)
  })

  await s.step('the moved account serves: handle, records and blobs', async () => {
    const reader = newAgent()
    const resolved = await reader.com.atproto.identity.resolveHandle({ handle: input.handle })
    assert.equal(resolved.data.did, did)
    const repo = await reader.com.atproto.repo.describeRepo({ repo: did })
    assert.equal(repo.data.handleIsCorrect, true)
    assert.deepEqual(repo.data.collections, [POST])
    for (const i of [0, 1]) {
      const { data } = await reader.com.atproto.repo.getRecord({
        repo: did,
        collection: POST,
        rkey: rkeyOf(byImage[i]),
      })
      assert.equal(data.cid, postOf(i).cid)
      const image = data.value.embed.images[0].image
      assert.ok(image instanceof BlobRef, `image ${JSON.stringify(image)}`)
      assert.equal(image.ref.toString(), rawCid(images[i]))
      const blob = await reader.com.atproto.sync.getBlob({ did, cid: rawCid(images[i]) })
      assert.deepEqual(Buffer.from(blob.data), images[i])
    }
  })

  let login, user
  await s.step('createSession by handle after the move', async () => {
    ;({ data: login } = await newAgent().com.atproto.server.createSession({
      identifier: input.handle,
      password: input.password,
    }))
    assert.equal(login.did, did)
    assert.notEqual(login.active, false)
    user = new Agent({ service: env.url, headers: { authorization: `Bearer ${login.accessJwt}` } })
  })

  await s.step(
    'the session names this PDS in its DID document, where apps send their calls',
    async () => {
      const endpoint = (doc) => doc?.service?.find((sv) => sv.id.endsWith('#atproto_pds'))?.serviceEndpoint
      assert.equal(endpoint(login.didDoc), env.url, 'createSession didDoc')
      const { data } = await user.com.atproto.server.getSession()
      assert.equal(endpoint(data.didDoc), env.url, 'getSession didDoc')
    },
  )

  await s.step('writes go on from the imported repository', async () => {
    const { data } = await user.com.atproto.repo.createRecord({
      repo: did,
      collection: POST,
      record: { $type: POST, text: 'written after the move', createdAt: new Date().toISOString() },
    })
    assert.equal(data.validationStatus, 'valid')
    const list = await user.com.atproto.repo.listRecords({ repo: did, collection: POST })
    assert.equal(list.data.records.length, 4)
  })

  let backup, kept
  await s.step('sync.getRepo exports the repository as a CAR', async () => {
    const res = await user.com.atproto.sync.getRepo({ did })
    backup = Buffer.from(res.data)
    assert.match(res.headers['content-type'] ?? '', /^application\/vnd\.ipld\.car/)
    assert.ok(backup.length > 0)
    const list = await user.com.atproto.repo.listRecords({ repo: did, collection: POST, limit: 100 })
    kept = list.data.records.map((r) => ({ uri: r.uri, cid: r.cid }))
  })

  await s.step('importRepo of that export undoes the writes made since', async () => {
    // Deleting the only post naming the first image drops the blob too.
    const repo = user.com.atproto.repo
    const gone = rkeyOf(byImage[0])
    await repo.deleteRecord({ repo: did, collection: POST, rkey: gone })
    const later = await repo.createRecord({
      repo: did,
      collection: POST,
      record: { $type: POST, text: 'after the backup', createdAt: new Date().toISOString() },
    })
    await repo.importRepo(backup, { encoding: CAR })
    const list = await repo.listRecords({ repo: did, collection: POST, limit: 100 })
    assert.deepEqual(
      list.data.records.map((r) => ({ uri: r.uri, cid: r.cid })),
      kept,
    )
    await expectXrpcError(repo.getRecord({ repo: did, collection: POST, rkey: rkeyOf(later.data.uri) }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('the restored post names a blob gone meanwhile: listMissingBlobs, then uploadBlob', async () => {
    const repo = user.com.atproto.repo
    const { data } = await repo.listMissingBlobs({})
    assert.deepEqual(data.blobs, [{ cid: rawCid(images[0]), recordUri: byImage[0] }])
    await user.uploadBlob(images[0], { encoding: 'image/png' })
    assert.deepEqual((await repo.listMissingBlobs({})).data.blobs, [])
    const blob = await newAgent().com.atproto.sync.getBlob({ did, cid: rawCid(images[0]) })
    assert.deepEqual(Buffer.from(blob.data), images[0])
  })

  await s.step("importRepo of another account's export is refused", async () => {
    const other = await createAccount('othr')
    await expectXrpcError(other.agent.com.atproto.repo.importRepo(backup, { encoding: CAR }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })
})
