// blobs.mjs: uploadBlob, a post embedding the uploaded image (getRecord
// shows the blob, getBlob and listBlobs serve it), a post naming a blob
// never uploaded, and uploads at and over the node's limit. The harness
// starts this node with a small --blob-upload-limit and passes it in
// BOLTSKY_BLOB_UPLOAD_LIMIT.
import { BlobRef, assert, createAccount, env, expectXrpcError, newAgent, rawCid, scenario, tinyPNG } from './lib.mjs'

const POST = 'app.bsky.feed.post'
const rkeyOf = (uri) => uri.split('/').pop()

await scenario('blobs', async (s) => {
  assert.ok(
    env.blobUploadLimit > tinyPNG.length,
    `BOLTSKY_BLOB_UPLOAD_LIMIT=${env.blobUploadLimit} must be set above ${tinyPNG.length}`,
  )
  let user, blob, post
  await s.step('createAccount', async () => {
    user = await createAccount('blob')
  })
  const repo = () => user.agent.com.atproto.repo

  await s.step('uploadBlob returns a blob ref with the raw CID, type and size', async () => {
    const { data } = await user.agent.uploadBlob(tinyPNG, { encoding: 'image/png' })
    blob = data.blob
    assert.ok(blob instanceof BlobRef, `blob ${JSON.stringify(blob)}`)
    assert.equal(blob.ref.toString(), rawCid(tinyPNG))
    assert.equal(blob.mimeType, 'image/png')
    assert.equal(blob.size, tinyPNG.length)
  })

  await s.step('uploadBlob sniffs the type: PNG bytes sent as application/octet-stream are image/png', async () => {
    const { data } = await user.agent.uploadBlob(tinyPNG, { encoding: 'application/octet-stream' })
    assert.equal(data.blob.ref.toString(), rawCid(tinyPNG))
    assert.equal(data.blob.mimeType, 'image/png')
  })

  await s.step('a post embedding the image is valid', async () => {
    const record = {
      $type: POST,
      text: 'a picture',
      createdAt: new Date().toISOString(),
      embed: {
        $type: 'app.bsky.embed.images',
        images: [{ image: blob, alt: 'one pixel', aspectRatio: { width: 1, height: 1 } }],
      },
    }
    const { data } = await repo().createRecord({ repo: user.did, collection: POST, record })
    assert.equal(data.validationStatus, 'valid')
    post = data
  })

  await s.step('getRecord shows the blob in the post', async () => {
    const { data } = await repo().getRecord({ repo: user.did, collection: POST, rkey: rkeyOf(post.uri) })
    assert.equal(data.cid, post.cid)
    const image = data.value.embed.images[0].image
    assert.ok(image instanceof BlobRef, `image ${JSON.stringify(image)}`)
    assert.equal(image.ref.toString(), rawCid(tinyPNG))
    assert.equal(image.mimeType, 'image/png')
    assert.equal(image.size, tinyPNG.length)
    assert.equal(data.value.embed.images[0].alt, 'one pixel')
  })

  await s.step('getBlob serves the bytes with their type', async () => {
    const res = await user.agent.com.atproto.sync.getBlob({ did: user.did, cid: rawCid(tinyPNG) })
    assert.deepEqual(Buffer.from(res.data), tinyPNG)
    assert.match(res.headers['content-type'] ?? '', /^image\/png/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
  })

  await s.step('listBlobs lists the referenced blob', async () => {
    const { data } = await user.agent.com.atproto.sync.listBlobs({ did: user.did })
    assert.ok(data.cids.includes(rawCid(tinyPNG)), `cids ${JSON.stringify(data.cids)}`)
  })

  await s.step('uploadBlob without a session is AuthMissing', async () => {
    await expectXrpcError(newAgent().com.atproto.repo.uploadBlob(tinyPNG, { encoding: 'image/png' }), {
      status: 401,
      error: 'AuthMissing',
    })
  })

  await s.step('a post naming a blob never uploaded is BlobNotFound', async () => {
    const missing = Buffer.from('never uploaded')
    const record = {
      $type: POST,
      text: 'a missing picture',
      createdAt: new Date().toISOString(),
      embed: {
        $type: 'app.bsky.embed.images',
        images: [
          {
            image: { $type: 'blob', ref: { $link: rawCid(missing) }, mimeType: 'image/png', size: missing.length },
            alt: '',
          },
        ],
      },
    }
    await expectXrpcError(repo().createRecord({ repo: user.did, collection: POST, record }), {
      status: 400,
      error: 'BlobNotFound',
    })
  })

  await s.step('deleting the only post that names the blob drops it from listBlobs', async () => {
    await repo().deleteRecord({ repo: user.did, collection: POST, rkey: rkeyOf(post.uri) })
    const { data } = await user.agent.com.atproto.sync.listBlobs({ did: user.did })
    assert.ok(!data.cids.includes(rawCid(tinyPNG)), `cids ${JSON.stringify(data.cids)}`)
  })

  await s.step('uploadBlob of exactly the limit is accepted', async () => {
    const bytes = Buffer.alloc(env.blobUploadLimit, 7)
    const { data } = await user.agent.uploadBlob(bytes, { encoding: 'application/octet-stream' })
    assert.equal(data.blob.size, env.blobUploadLimit)
    assert.equal(data.blob.ref.toString(), rawCid(bytes))
  })

  await s.step('uploadBlob over the limit is 413 PayloadTooLarge', async () => {
    const bytes = Buffer.alloc(env.blobUploadLimit + 1, 9)
    await expectXrpcError(user.agent.uploadBlob(bytes, { encoding: 'application/octet-stream' }), {
      status: 413,
      error: 'PayloadTooLarge',
    })
  })
})
