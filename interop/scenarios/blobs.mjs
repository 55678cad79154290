// blobs.mjs: uploadBlob (types, limits), blob references in records and
// their checks, getBlob headers, listBlobs, and what deleting the last
// reference does. Blob CIDs depend only on the bytes, so they are
// compared verbatim.
import { POST, PROFILE, post, scenario, tinyPNG } from '../lib/scenario.mjs'

const upload = (t, user, bytes, type) =>
  t.call('com.atproto.repo.uploadBlob', { auth: user?.access, body: bytes, contentType: type })

const imagePost = (text, blob, alt = 'one pixel') =>
  post(text, { embed: { $type: 'app.bsky.embed.images', images: [{ image: blob, alt, aspectRatio: { width: 1, height: 1 } }] } })

const BLOB_HEADERS = ['content-type', 'content-length', 'content-security-policy', 'x-content-type-options']

async function createRecord(t, user, collection, record, extra = {}) {
  return t.call('com.atproto.repo.createRecord', { auth: user.access, body: { repo: user.did, collection, record, ...extra } })
}

export default [
  scenario('blob.upload', 'uploadBlob of a PNG returns the blob ref', async (t, o) => {
    const user = await t.createAccount('bu')
    const res = o.res('uploadBlob image/png', await upload(t, user, tinyPNG, 'image/png'))
    o.same('blob CID', res.json?.blob?.ref?.$link)
    o.res('the same bytes again', await upload(t, user, tinyPNG, 'image/png'))
  }),

  scenario('blob.upload.types', 'uploadBlob with a generic, a wrong and no content type', async (t, o) => {
    const user = await t.createAccount('bt')
    o.res('PNG as application/octet-stream', await upload(t, user, tinyPNG, 'application/octet-stream'))
    o.res('text as image/png', await upload(t, user, new TextEncoder().encode('plain text, not an image'), 'image/png'))
    o.res('text as text/plain', await upload(t, user, new TextEncoder().encode('plain text'), 'text/plain'))
    o.res('PNG as */*', await upload(t, user, tinyPNG, '*/*'))
  }),

  scenario('blob.upload.limits', 'uploadBlob at and over the upload limit, and empty', async (t, o) => {
    const user = await t.createAccount('bl')
    const res = o.res('exactly the limit', await upload(t, user, new Uint8Array(t.blobUploadLimit).fill(7), 'application/octet-stream'))
    o.same('its CID', res.json?.blob?.ref?.$link)
    // A server may answer 413 before it has read the whole body; the
    // client must still get that answer, not a reset connection. Eight
    // tries, since dropping it is a race.
    const over = []
    for (let i = 0; i < 8; i++) {
      const size = i === 0 ? t.blobUploadLimit + 1 : t.blobUploadLimit + 1_000_000
      over.push(await upload(t, user, new Uint8Array(size).fill(9), 'application/octet-stream'))
    }
    o.same('every upload over the limit is answered 413 PayloadTooLarge', over.every((r) => r.status === 413 && r.error === 'PayloadTooLarge'))
    o.res('empty', await upload(t, user, new Uint8Array(0), 'application/octet-stream'))
  }),

  scenario('blob.upload.auth', 'uploadBlob without a session', async (t, o) => {
    o.res('no auth', await upload(t, null, tinyPNG, 'image/png'))
  }),

  scenario('blob.reference', 'a post embedding an uploaded image; getRecord, getBlob and listBlobs', async (t, o) => {
    const user = await t.createAccount('br')
    const blob = (await upload(t, user, tinyPNG, 'image/png')).json?.blob
    o.res('getBlob before any record names it', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: blob?.ref?.$link } }))
    o.res('listBlobs before', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } }))
    const created = o.res('createRecord with the image', await createRecord(t, user, POST, imagePost('a picture', blob)))
    o.same('record CID', created.json?.cid)
    o.res('getRecord', await t.call('com.atproto.repo.getRecord', { params: { repo: user.did, collection: POST, rkey: created.json?.uri?.split('/').pop() } }))
    const got = await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: blob?.ref?.$link } })
    o.res('getBlob', got, { headers: BLOB_HEADERS })
    o.same('getBlob bytes', Buffer.from(got.bytes).equals(tinyPNG))
    o.res('listBlobs', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } }))
  }),

  scenario('blob.reference.errors', 'records naming missing, mistyped or oversized blobs', async (t, o) => {
    const user = await t.createAccount('be')
    const missing = {
      $type: 'blob',
      ref: { $link: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' },
      mimeType: 'image/png',
      size: 10,
    }
    o.res('never uploaded', await createRecord(t, user, POST, imagePost('missing', missing)))
    const text = (await upload(t, user, new TextEncoder().encode('not an image at all'), 'text/plain')).json?.blob
    o.res('text blob as a profile avatar', await t.call('com.atproto.repo.putRecord', {
      auth: user.access,
      body: { repo: user.did, collection: PROFILE, rkey: 'self', record: { $type: PROFILE, avatar: text } },
    }))
    const big = (await upload(t, user, new Uint8Array(1_500_000).fill(1), 'image/png')).json?.blob
    o.res('1.5 MB image in an embed (lexicon maxSize 1 MB)', await createRecord(t, user, POST, imagePost('big', big)))
    const png = (await upload(t, user, tinyPNG, 'image/png')).json?.blob
    o.res('blob ref with a wrong size', await createRecord(t, user, POST, imagePost('size', { ...png, size: 999 })))
    o.res('blob ref with a wrong mimeType', await createRecord(t, user, POST, imagePost('mime', { ...png, mimeType: 'image/jpeg' })))
    o.res('legacy blob ref', await createRecord(t, user, POST, imagePost('legacy', { cid: png?.ref?.$link, mimeType: 'image/png' })))
    o.res('blob ref without $type', await createRecord(t, user, POST, imagePost('untyped', { ref: png?.ref, mimeType: 'image/png', size: png?.size })))
  }),

  scenario('blob.keep-on-update', 'updating a record that keeps naming the same blob', async (t, o) => {
    const user = await t.createAccount('bk')
    const blob = (await upload(t, user, tinyPNG, 'image/png')).json?.blob
    const put = (record, extra = {}) =>
      t.call('com.atproto.repo.putRecord', { auth: user.access, body: { repo: user.did, collection: PROFILE, rkey: 'self', record, ...extra } })
    const first = o.res('profile with an avatar', await put({ $type: PROFILE, displayName: 'A', avatar: blob }))
    o.res('new description, same avatar', await put({ $type: PROFILE, displayName: 'A', description: 'd', avatar: blob }, { swapRecord: first.json?.cid }))
    await createRecord(t, user, POST, imagePost('v1', blob), { rkey: '3kaaaaaaaaaa2' })
    o.res('post updated with the same image', await t.call('com.atproto.repo.putRecord', {
      auth: user.access,
      body: { repo: user.did, collection: POST, rkey: '3kaaaaaaaaaa2', record: imagePost('v2', blob) },
    }))
    o.res('applyWrites update with the same image', await t.call('com.atproto.repo.applyWrites', {
      auth: user.access,
      body: {
        repo: user.did,
        writes: [{ $type: 'com.atproto.repo.applyWrites#update', collection: POST, rkey: '3kaaaaaaaaaa2', value: imagePost('v3', blob) }],
      },
    }))
    o.res('listBlobs', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } }))
    o.res('getBlob', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: blob?.ref?.$link } }), { body: false })
  }),

  scenario('blob.other-account', "a record naming a blob uploaded by another account", async (t, o) => {
    const a = await t.createAccount('boa')
    const b = await t.createAccount('bob')
    const blob = (await upload(t, a, tinyPNG, 'image/png')).json?.blob
    o.res("b names a's blob", await createRecord(t, b, POST, imagePost('borrowed', blob)))
  }),

  scenario('blob.get.errors', 'getBlob of unknown blobs and repos', async (t, o) => {
    const user = await t.createAccount('bg')
    o.res('unknown cid', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' } }))
    o.res('unknown repo', await t.call('com.atproto.sync.getBlob', { params: { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' } }))
    o.res('malformed cid', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: 'nope' } }))
  }),

  scenario('blob.dereference', 'deleting the last record naming a blob removes it; a shared blob stays', async (t, o) => {
    const user = await t.createAccount('bd')
    const blob = (await upload(t, user, tinyPNG, 'image/png')).json?.blob
    const one = (await createRecord(t, user, POST, imagePost('one', blob), { rkey: '3kaaaaaaaaaa2' })).json
    await createRecord(t, user, POST, imagePost('two', blob), { rkey: '3kaaaaaaaaab2' })
    const del = (rkey) => t.call('com.atproto.repo.deleteRecord', { auth: user.access, body: { repo: user.did, collection: POST, rkey } })
    o.res('delete one of two', await del('3kaaaaaaaaaa2'))
    o.res('listBlobs', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } }))
    o.res('getBlob', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: blob?.ref?.$link } }), { body: false })
    o.res('delete the last', await del('3kaaaaaaaaab2'))
    o.res('listBlobs after', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } }))
    o.res('getBlob after', await t.call('com.atproto.sync.getBlob', { params: { did: user.did, cid: blob?.ref?.$link } }))
    o.val('first record', one)
  }),

  scenario('blob.list', 'listBlobs paging and since', async (t, o) => {
    const user = await t.createAccount('bls')
    const blobs = []
    for (let i = 0; i < 3; i++) {
      const bytes = new Uint8Array(100 + i).fill(i + 1)
      blobs.push((await upload(t, user, bytes, 'image/png')).json?.blob)
    }
    const first = (await createRecord(t, user, POST, imagePost('0', blobs[0]))).json
    await createRecord(t, user, POST, imagePost('1', blobs[1]))
    await createRecord(t, user, POST, imagePost('2', blobs[2]))
    const page0 = o.res('limit 2', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did, limit: 2 } }))
    o.res('next page', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did, limit: 2, cursor: page0.json?.cursor } }))
    o.res('since the first commit', await t.call('com.atproto.sync.listBlobs', { params: { did: user.did, since: first?.commit?.rev } }))
    const all = await t.call('com.atproto.sync.listBlobs', { params: { did: user.did } })
    o.same('all CIDs (sorted)', [...(all.json?.cids ?? [])].sort())
    o.res('unknown repo', await t.call('com.atproto.sync.listBlobs', { params: { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' } }))
  }),
]
