// repo.mjs: every com.atproto.repo record method as apps call it:
// createRecord, putRecord, deleteRecord, applyWrites, getRecord,
// listRecords, describeRepo; stale swapCommit and swapRecord refused with
// InvalidSwap; lexicon validation of known types (refused, skipped with
// validate:false, "unknown" for unknown collections).
import { assert, createAccount, expectXrpcError, scenario } from './lib.mjs'

const POST = 'app.bsky.feed.post'
const PROFILE = 'app.bsky.actor.profile'
const THING = 'com.example.e2e.thing'
const now = () => new Date().toISOString()
const rkeyOf = (uri) => uri.split('/').pop()

await scenario('repo', async (s) => {
  let user, repo, did
  await s.step('createAccount', async () => {
    user = await createAccount('repo')
    did = user.did
    repo = user.agent.com.atproto.repo
  })

  // head is the commit of the last write, for swapCommit.
  let head, first, firstCommit

  await s.step('createRecord of a valid post', async () => {
    const record = { $type: POST, text: 'hello from the e2e test', createdAt: now() }
    const { data } = await repo.createRecord({ repo: did, collection: POST, record })
    assert.match(data.uri, new RegExp(`^at://${did}/${POST}/[a-z2-7]{13}$`))
    assert.match(data.cid, /^bafyrei[a-z2-7]+$/)
    assert.match(data.commit.cid, /^bafyrei[a-z2-7]+$/)
    assert.match(data.commit.rev, /^[a-z2-7]{13}$/)
    assert.equal(data.validationStatus, 'valid')
    first = { uri: data.uri, cid: data.cid, record }
    head = firstCommit = data.commit
  })

  await s.step('agent.post, as apps write posts', async () => {
    const res = await user.agent.post({ text: 'second post', createdAt: now() })
    assert.ok(res.uri.startsWith(`at://${did}/${POST}/`), res.uri)
    assert.match(res.cid, /^bafyrei/)
  })

  await s.step('getRecord returns the record', async () => {
    const { data } = await repo.getRecord({ repo: did, collection: POST, rkey: rkeyOf(first.uri) })
    assert.equal(data.uri, first.uri)
    assert.equal(data.cid, first.cid)
    assert.deepEqual(data.value, first.record)
  })

  await s.step('getRecord by handle and with the matching cid', async () => {
    const { data } = await repo.getRecord({
      repo: user.handle,
      collection: POST,
      rkey: rkeyOf(first.uri),
      cid: first.cid,
    })
    assert.equal(data.cid, first.cid)
  })

  await s.step('getRecord with another cid is RecordNotFound', async () => {
    await expectXrpcError(
      repo.getRecord({
        repo: did,
        collection: POST,
        rkey: rkeyOf(first.uri),
        cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
      }),
      { status: 400, error: 'RecordNotFound' },
    )
  })

  await s.step('getRecord of a missing rkey is RecordNotFound', async () => {
    await expectXrpcError(repo.getRecord({ repo: did, collection: POST, rkey: '3jzfcijpj2z2a' }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('createRecord with a stale swapCommit is InvalidSwap', async () => {
    // The agent.post above moved the head past firstCommit.
    await expectXrpcError(
      repo.createRecord({
        repo: did,
        collection: POST,
        record: { $type: POST, text: 'stale', createdAt: now() },
        swapCommit: firstCommit.cid,
      }),
      { status: 400, error: 'InvalidSwap' },
    )
  })

  await s.step('createRecord without $type takes the collection as $type', async () => {
    const { data } = await repo.createRecord({
      repo: did,
      collection: POST,
      record: { text: 'untyped', createdAt: now() },
    })
    assert.equal(data.validationStatus, 'valid')
    const got = await repo.getRecord({ repo: did, collection: POST, rkey: rkeyOf(data.uri) })
    assert.equal(got.data.value.$type, POST)
    head = data.commit
  })

  await s.step('createRecord with the current swapCommit and an explicit rkey', async () => {
    const { data } = await repo.createRecord({
      repo: did,
      collection: POST,
      rkey: '3kabcdefghijk',
      record: { $type: POST, text: 'swapped in', createdAt: now() },
      swapCommit: head.cid,
    })
    assert.equal(data.uri, `at://${did}/${POST}/3kabcdefghijk`)
    assert.ok(data.commit.rev > head.rev, `rev ${data.commit.rev} after ${head.rev}`)
    head = data.commit
  })

  let profile
  await s.step('putRecord creates the profile', async () => {
    const record = { $type: PROFILE, displayName: 'E2E', description: 'first' }
    const { data } = await repo.putRecord({ repo: did, collection: PROFILE, rkey: 'self', record })
    assert.equal(data.uri, `at://${did}/${PROFILE}/self`)
    assert.equal(data.validationStatus, 'valid')
    assert.ok(data.commit, 'putRecord of a new record makes a commit')
    profile = { cid: data.cid, record }
    head = data.commit
  })

  await s.step('putRecord of the same value makes no commit, as the reference', async () => {
    const { data } = await repo.putRecord({ repo: did, collection: PROFILE, rkey: 'self', record: profile.record })
    assert.equal(data.cid, profile.cid)
    assert.equal(data.commit, undefined)
  })

  await s.step('putRecord with the current swapRecord updates it', async () => {
    const record = { $type: PROFILE, displayName: 'E2E', description: 'second' }
    const { data } = await repo.putRecord({
      repo: did,
      collection: PROFILE,
      rkey: 'self',
      record,
      swapRecord: profile.cid,
    })
    assert.notEqual(data.cid, profile.cid)
    const got = await repo.getRecord({ repo: did, collection: PROFILE, rkey: 'self' })
    assert.deepEqual(got.data.value, record)
    profile = { cid: data.cid, record, stale: profile.cid }
    head = data.commit
  })

  await s.step('putRecord with a stale swapRecord is InvalidSwap', async () => {
    await expectXrpcError(
      repo.putRecord({
        repo: did,
        collection: PROFILE,
        rkey: 'self',
        record: { $type: PROFILE, description: 'x' },
        swapRecord: profile.stale,
      }),
      { status: 400, error: 'InvalidSwap' },
    )
  })

  await s.step('putRecord with swapRecord null over an existing record is InvalidSwap', async () => {
    await expectXrpcError(
      repo.putRecord({
        repo: did,
        collection: PROFILE,
        rkey: 'self',
        record: { $type: PROFILE, description: 'x' },
        swapRecord: null,
      }),
      { status: 400, error: 'InvalidSwap' },
    )
  })

  await s.step('putRecord with a stale swapCommit is InvalidSwap', async () => {
    await expectXrpcError(
      repo.putRecord({
        repo: did,
        collection: PROFILE,
        rkey: 'self',
        record: { $type: PROFILE, description: 'x' },
        swapCommit: firstCommit.cid,
      }),
      { status: 400, error: 'InvalidSwap' },
    )
  })

  await s.step('putRecord of a profile under a key other than self is refused', async () => {
    await expectXrpcError(
      repo.putRecord({ repo: did, collection: PROFILE, rkey: 'other', record: { $type: PROFILE } }),
      {
        status: 400,
        error: 'InvalidRequest',
      },
    )
  })

  await s.step('deleteRecord with a stale swapRecord is InvalidSwap', async () => {
    await expectXrpcError(
      repo.deleteRecord({ repo: did, collection: PROFILE, rkey: 'self', swapRecord: profile.stale }),
      {
        status: 400,
        error: 'InvalidSwap',
      },
    )
  })

  await s.step('deleteRecord with a stale swapCommit is InvalidSwap', async () => {
    await expectXrpcError(
      repo.deleteRecord({ repo: did, collection: PROFILE, rkey: 'self', swapCommit: firstCommit.cid }),
      {
        status: 400,
        error: 'InvalidSwap',
      },
    )
  })

  await s.step('deleteRecord with the current swapRecord deletes it', async () => {
    const { data } = await repo.deleteRecord({ repo: did, collection: PROFILE, rkey: 'self', swapRecord: profile.cid })
    assert.ok(data.commit, 'deleteRecord of an existing record makes a commit')
    assert.notEqual(data.commit.cid, head.cid)
    head = data.commit
    await expectXrpcError(repo.getRecord({ repo: did, collection: PROFILE, rkey: 'self' }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('deleteRecord of a missing record is a no-op without a commit', async () => {
    const { data } = await repo.deleteRecord({ repo: did, collection: PROFILE, rkey: 'self' })
    assert.equal(data.commit, undefined)
  })

  let batch
  await s.step('applyWrites creates, updates and deletes in one commit', async () => {
    const { data: c } = await repo.createRecord({
      repo: did,
      collection: POST,
      record: { $type: POST, text: 'to be deleted', createdAt: now() },
    })
    const edited = { $type: POST, text: 'swapped in, then edited', createdAt: now() }
    const newProfile = { $type: PROFILE, displayName: 'batched' }
    const { data } = await repo.applyWrites({
      repo: did,
      swapCommit: c.commit.cid,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: POST,
          value: { $type: POST, text: 'batch one', createdAt: now() },
        },
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: POST,
          rkey: '3kbatchbatchb',
          value: { $type: POST, text: 'batch two', createdAt: now() },
        },
        { $type: 'com.atproto.repo.applyWrites#update', collection: POST, rkey: '3kabcdefghijk', value: edited },
        { $type: 'com.atproto.repo.applyWrites#delete', collection: POST, rkey: rkeyOf(c.uri) },
        { $type: 'com.atproto.repo.applyWrites#create', collection: PROFILE, rkey: 'self', value: newProfile },
      ],
    })
    assert.match(data.commit.cid, /^bafyrei/)
    assert.ok(data.commit.rev > c.commit.rev, `rev ${data.commit.rev} after ${c.commit.rev}`)
    assert.deepEqual(
      data.results.map((r) => r.$type),
      [
        'com.atproto.repo.applyWrites#createResult',
        'com.atproto.repo.applyWrites#createResult',
        'com.atproto.repo.applyWrites#updateResult',
        'com.atproto.repo.applyWrites#deleteResult',
        'com.atproto.repo.applyWrites#createResult',
      ],
    )
    assert.match(data.results[0].uri, new RegExp(`^at://${did}/${POST}/[a-z2-7]{13}$`))
    assert.equal(data.results[1].uri, `at://${did}/${POST}/3kbatchbatchb`)
    assert.equal(data.results[2].uri, `at://${did}/${POST}/3kabcdefghijk`)
    assert.equal(data.results[4].uri, `at://${did}/${PROFILE}/self`)
    for (const i of [0, 1, 2, 4]) {
      assert.equal(data.results[i].validationStatus, 'valid')
      assert.match(data.results[i].cid, /^bafyrei/)
    }
    const got = await repo.getRecord({ repo: did, collection: POST, rkey: '3kabcdefghijk' })
    assert.deepEqual(got.data.value, edited)
    assert.equal(got.data.cid, data.results[2].cid)
    const prof = await repo.getRecord({ repo: did, collection: PROFILE, rkey: 'self' })
    assert.deepEqual(prof.data.value, newProfile)
    await expectXrpcError(repo.getRecord({ repo: did, collection: POST, rkey: rkeyOf(c.uri) }), {
      status: 400,
      error: 'RecordNotFound',
    })
    batch = data
    head = data.commit
  })

  await s.step('applyWrites with a stale swapCommit is InvalidSwap and writes nothing', async () => {
    await expectXrpcError(
      repo.applyWrites({
        repo: did,
        swapCommit: firstCommit.cid,
        writes: [
          {
            $type: 'com.atproto.repo.applyWrites#create',
            collection: POST,
            rkey: '3kstalestales',
            value: { $type: POST, text: 'stale', createdAt: now() },
          },
        ],
      }),
      { status: 400, error: 'InvalidSwap' },
    )
    await expectXrpcError(repo.getRecord({ repo: did, collection: POST, rkey: '3kstalestales' }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('createRecord of an invalid post is refused', async () => {
    await expectXrpcError(
      repo.createRecord({ repo: did, collection: POST, record: { $type: POST, text: 42, createdAt: now() } }),
      {
        status: 400,
        error: 'InvalidRequest',
      },
    )
  })

  await s.step('createRecord of a post without createdAt is refused', async () => {
    await expectXrpcError(
      repo.createRecord({ repo: did, collection: POST, record: { $type: POST, text: 'no date' } }),
      {
        status: 400,
        error: 'InvalidRequest',
      },
    )
  })

  await s.step('applyWrites with one invalid record is refused and writes nothing', async () => {
    await expectXrpcError(
      repo.applyWrites({
        repo: did,
        writes: [
          {
            $type: 'com.atproto.repo.applyWrites#create',
            collection: POST,
            rkey: '3kvalidvalidv',
            value: { $type: POST, text: 'fine', createdAt: now() },
          },
          {
            $type: 'com.atproto.repo.applyWrites#create',
            collection: POST,
            value: { $type: POST, text: ['not', 'text'], createdAt: now() },
          },
        ],
      }),
      { status: 400, error: 'InvalidRequest' },
    )
    await expectXrpcError(repo.getRecord({ repo: did, collection: POST, rkey: '3kvalidvalidv' }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('a record whose $type is not the collection is refused', async () => {
    await expectXrpcError(
      repo.createRecord({
        repo: did,
        collection: POST,
        record: { $type: 'app.bsky.feed.like', subject: { uri: first.uri, cid: first.cid }, createdAt: now() },
      }),
      { status: 400, error: 'InvalidRequest' },
    )
  })

  let unvalidated
  await s.step('validate:false accepts a post that fails the lexicon, with no validationStatus', async () => {
    const record = { $type: POST, text: 42, createdAt: 'not a date' }
    const { data } = await repo.createRecord({ repo: did, collection: POST, record, validate: false })
    assert.equal(data.validationStatus, undefined)
    const got = await repo.getRecord({ repo: did, collection: POST, rkey: rkeyOf(data.uri) })
    assert.deepEqual(got.data.value, record)
    unvalidated = data
  })

  await s.step('an unknown collection with validate unset is stored with validationStatus unknown', async () => {
    const record = { $type: THING, anything: { goes: [1, 2, 3] } }
    const { data } = await repo.createRecord({ repo: did, collection: THING, record })
    assert.equal(data.validationStatus, 'unknown')
    const got = await repo.getRecord({ repo: did, collection: THING, rkey: rkeyOf(data.uri) })
    assert.deepEqual(got.data.value, record)
  })

  await s.step('an unknown collection with validate:true is refused', async () => {
    await expectXrpcError(
      repo.createRecord({ repo: did, collection: THING, record: { $type: THING }, validate: true }),
      {
        status: 400,
        error: 'InvalidRequest',
      },
    )
  })

  await s.step('listRecords pages newest first, and oldest first with reverse', async () => {
    const all = []
    let cursor
    for (let page = 0; page < 20; page++) {
      const { data } = await repo.listRecords({ repo: did, collection: POST, limit: 2, cursor })
      assert.ok(data.records.length <= 2, `page of ${data.records.length}`)
      all.push(...data.records)
      if (data.records.length === 0 || !data.cursor) break
      cursor = data.cursor
    }
    const rkeys = all.map((r) => rkeyOf(r.uri))
    assert.deepEqual(rkeys, [...rkeys].sort().reverse(), 'newest (highest rkey) first')
    assert.equal(new Set(rkeys).size, rkeys.length, 'no record twice')
    // first post, agent.post, untyped, 3kabcdefghijk, batch one, batch two, validate:false.
    assert.equal(all.length, 7, `records: ${rkeys.join(' ')}`)
    for (const want of [
      rkeyOf(first.uri),
      '3kabcdefghijk',
      '3kbatchbatchb',
      rkeyOf(unvalidated.uri),
      rkeyOf(batch.results[0].uri),
    ]) {
      assert.ok(rkeys.includes(want), `listRecords lacks ${want}: ${rkeys.join(' ')}`)
    }
    const mine = all.find((r) => r.uri === first.uri)
    assert.equal(mine.cid, first.cid)
    assert.deepEqual(mine.value, first.record)

    const { data } = await repo.listRecords({ repo: did, collection: POST, limit: 100, reverse: true })
    assert.deepEqual(
      data.records.map((r) => rkeyOf(r.uri)),
      [...rkeys].reverse(),
    )
  })

  await s.step('describeRepo lists the collections', async () => {
    const { data } = await repo.describeRepo({ repo: user.handle })
    assert.equal(data.did, did)
    assert.equal(data.handle, user.handle)
    assert.equal(data.handleIsCorrect, true)
    assert.equal(data.didDoc.id, did)
    for (const c of [POST, PROFILE, THING]) {
      assert.ok(data.collections.includes(c), `collections ${JSON.stringify(data.collections)} lack ${c}`)
    }
  })

  await s.step('two writes racing on the same swapCommit: one commits, the other is InvalidSwap', async () => {
    const { data: base } = await repo.createRecord({
      repo: did,
      collection: THING,
      record: { $type: THING, race: 'base' },
    })
    const attempt = (n) =>
      repo.createRecord({
        repo: did,
        collection: THING,
        record: { $type: THING, race: n },
        swapCommit: base.commit.cid,
      })
    const results = await Promise.allSettled([attempt(1), attempt(2)])
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    assert.equal(won.length, 1, `outcomes: ${results.map((r) => r.status).join(', ')}`)
    await expectXrpcError(Promise.reject(lost[0].reason), { status: 400, error: 'InvalidSwap' })
  })

  await s.step('concurrent writes without swaps all commit, each record once', async () => {
    const n = 24
    const created = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        repo.createRecord({ repo: did, collection: THING, rkey: `burst${i}`, record: { $type: THING, burst: i } }),
      ),
    )
    const revs = created.map((c) => c.data.commit.rev)
    assert.equal(new Set(revs).size, n, 'each write has its own commit revision')
    const { data } = await repo.listRecords({ repo: did, collection: THING, limit: 100 })
    const bursts = data.records.filter((r) => rkeyOf(r.uri).startsWith('burst'))
    assert.equal(bursts.length, n)
  })

  await s.step('applyWrites of more than 200 writes is refused', async () => {
    const writes = Array.from({ length: 201 }, (_, i) => ({
      $type: 'com.atproto.repo.applyWrites#create',
      collection: THING,
      rkey: `many${i}`,
      value: { $type: THING, i },
    }))
    await expectXrpcError(repo.applyWrites({ repo: did, writes }), { status: 400, error: 'InvalidRequest' })
    await expectXrpcError(repo.getRecord({ repo: did, collection: THING, rkey: 'many0' }), {
      status: 400,
      error: 'RecordNotFound',
    })
  })

  await s.step('applyWrites of exactly 200 writes is accepted', async () => {
    const writes = Array.from({ length: 200 }, (_, i) => ({
      $type: 'com.atproto.repo.applyWrites#create',
      collection: THING,
      rkey: `many${i}`,
      value: { $type: THING, i },
    }))
    const { data } = await repo.applyWrites({ repo: did, writes })
    assert.equal(data.results.length, 200)
    const got = await repo.getRecord({ repo: did, collection: THING, rkey: 'many199' })
    assert.deepEqual(got.data.value, { $type: THING, i: 199 })
  })

  await s.step('describeRepo of an unknown repo is RepoNotFound', async () => {
    await expectXrpcError(repo.describeRepo({ repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }), {
      status: 400,
      error: 'RepoNotFound',
    })
  })
})
