// serviceauth.mjs: getServiceAuth as apps ask it for tokens to other
// services. The token's claims (iss, aud, lxm, exp, iat, jti) and its
// signature, checked against the #atproto key of the account's DID
// document in the PLC directory; the reference's refusals (expiry in the
// past, over an hour, over a minute without lxm; protected methods; an
// aud that is not a DID; createAccount tokens for app passwords). Then
// tokens at work on this server: uploadBlob takes an uploadBlob token
// once (a second use is a replay), refuses a token for another method or
// service; createAccount for a DID already hosted here is AlreadyExists.
import {
  assert,
  createAccount,
  expectXrpcError,
  jwtPayload,
  newAccountInput,
  newAgent,
  plcGet,
  rawCid,
  scenario,
  tinyPNG,
  verifyJwt,
} from './lib.mjs'

const FEED = 'did:web:feed.example.com'
const nowSeconds = () => Math.floor(Date.now() / 1000)

await scenario('service auth', async (s) => {
  let user, serviceDid, signingKey
  await s.step('createAccount', async () => {
    user = await createAccount('svca')
    serviceDid = (await user.agent.com.atproto.server.describeServer()).data.did
    signingKey = (await plcGet(`/${user.did}/data`)).verificationMethods.atproto
  })
  const getServiceAuth = (params, agent = user.agent) => agent.com.atproto.server.getServiceAuth(params)

  await s.step('a token for a feed generator: claims and a signature by the DID document key', async () => {
    const before = nowSeconds()
    const { data } = await getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton' })
    const { header, payload } = verifyJwt(data.token, signingKey)
    assert.equal(header.typ, 'JWT')
    assert.equal(payload.iss, user.did)
    assert.equal(payload.aud, FEED)
    assert.equal(payload.lxm, 'app.bsky.feed.getFeedSkeleton')
    assert.ok(payload.iat >= before - 5 && payload.iat <= nowSeconds() + 5, `iat ${payload.iat}, now ${before}`)
    assert.equal(payload.exp - payload.iat, 60, 'one minute by default')
    assert.match(payload.jti, /^[0-9a-f]{32}$/)
  })

  await s.step('a token with an exp asked for expires then; each token has its own jti', async () => {
    const exp = nowSeconds() + 30 * 60
    const a = (await getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton', exp })).data.token
    const b = (await getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton', exp })).data.token
    assert.equal(verifyJwt(a, signingKey).payload.exp, exp)
    assert.notEqual(jwtPayload(a).jti, jwtPayload(b).jti)
  })

  await s.step('a token without lxm has no lxm claim', async () => {
    const { data } = await getServiceAuth({ aud: `${FEED}#bsky_fg` })
    const { payload } = verifyJwt(data.token, signingKey)
    assert.equal(payload.aud, `${FEED}#bsky_fg`)
    assert.equal('lxm' in payload, false, `claims ${JSON.stringify(payload)}`)
  })

  await s.step('an exp in the past is BadExpiration', async () => {
    await expectXrpcError(getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton', exp: nowSeconds() - 10 }), {
      status: 400,
      error: 'BadExpiration',
    })
  })

  await s.step('an exp more than an hour ahead is BadExpiration', async () => {
    await expectXrpcError(
      getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton', exp: nowSeconds() + 2 * 3600 }),
      { status: 400, error: 'BadExpiration' },
    )
  })

  await s.step('a token without lxm for more than a minute is BadExpiration', async () => {
    await expectXrpcError(getServiceAuth({ aud: FEED, exp: nowSeconds() + 10 * 60 }), {
      status: 400,
      error: 'BadExpiration',
    })
  })

  await s.step('a token for a protected method is refused', async () => {
    await expectXrpcError(getServiceAuth({ aud: serviceDid, lxm: 'com.atproto.server.updateEmail' }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('an aud that is not a DID is refused', async () => {
    await expectXrpcError(getServiceAuth({ aud: 'https://feed.example.com' }), { status: 400, error: 'InvalidRequest' })
  })

  await s.step('getServiceAuth without a session is AuthMissing', async () => {
    await expectXrpcError(getServiceAuth({ aud: FEED }, newAgent()), { status: 401, error: 'AuthMissing' })
  })

  await s.step('an app password session gets no createAccount token, but a feed token', async () => {
    const { data: app } = await user.agent.com.atproto.server.createAppPassword({ name: 'svc auth' })
    const a = newAgent()
    await a.login({ identifier: user.handle, password: app.password })
    await expectXrpcError(getServiceAuth({ aud: serviceDid, lxm: 'com.atproto.server.createAccount' }, a), {
      status: 400,
      error: 'InvalidRequest',
    })
    const { data } = await getServiceAuth({ aud: FEED, lxm: 'app.bsky.feed.getFeedSkeleton' }, a)
    assert.equal(verifyJwt(data.token, signingKey).payload.iss, user.did)
  })

  // Tokens this server accepts: uploadBlob takes a service token in place
  // of a session (a video service uploads for the user so).
  const upload = (token) =>
    newAgent().com.atproto.repo.uploadBlob(tinyPNG, {
      encoding: 'image/png',
      headers: { authorization: `Bearer ${token}` },
    })
  let uploadToken
  await s.step('uploadBlob with an uploadBlob token from getServiceAuth', async () => {
    uploadToken = (await getServiceAuth({ aud: serviceDid, lxm: 'com.atproto.repo.uploadBlob' })).data.token
    const { data } = await upload(uploadToken)
    assert.equal(data.blob.ref.toString(), rawCid(tinyPNG))
    assert.equal(data.blob.mimeType, 'image/png')
  })

  await s.step('the same token used again is refused as replayed', async () => {
    await expectXrpcError(upload(uploadToken), { status: 401, error: 'BadJwt' })
  })

  await s.step('uploadBlob with a token for another method is BadJwtLexiconMethod', async () => {
    const { data } = await getServiceAuth({ aud: serviceDid, lxm: 'app.bsky.feed.getFeedSkeleton' })
    await expectXrpcError(upload(data.token), { status: 401, error: 'BadJwtLexiconMethod' })
  })

  await s.step('uploadBlob with a token for another service is BadJwtAudience', async () => {
    const { data } = await getServiceAuth({ aud: FEED, lxm: 'com.atproto.repo.uploadBlob' })
    await expectXrpcError(upload(data.token), { status: 401, error: 'BadJwtAudience' })
  })

  await s.step('createAccount with a createAccount token for a DID already hosted here is AlreadyExists', async () => {
    const { data } = await getServiceAuth({ aud: serviceDid, lxm: 'com.atproto.server.createAccount' })
    assert.equal(verifyJwt(data.token, signingKey).payload.lxm, 'com.atproto.server.createAccount')
    await expectXrpcError(
      newAgent().com.atproto.server.createAccount(
        { ...newAccountInput('twin'), did: user.did },
        { headers: { authorization: `Bearer ${data.token}` } },
      ),
      { status: 400, error: 'AlreadyExists' },
    )
  })
})
