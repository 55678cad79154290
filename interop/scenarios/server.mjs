// server.mjs: describeServer, health, and how XRPC routing answers unknown
// methods, wrong verbs and bad parameters.
import http from 'node:http'
import { scenario } from '../lib/scenario.mjs'

/** hostGet sends GET path to t with a Host header of our choosing. */
function hostGet(t, path, host) {
  const { port } = new URL(t.url)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () =>
        resolve({ status: res.statusCode, type: (res.headers['content-type'] || '').split(';')[0], body: Buffer.concat(chunks).toString() }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

export default [
  scenario('server.describe', 'describeServer', async (t, o) => {
    o.res('describeServer', await t.call('com.atproto.server.describeServer'))
  }),

  scenario('server.health', 'GET /xrpc/_health', async (t, o) => {
    o.res('health', await t.call('_health'), { pick: (j) => ({ version: typeof j.version }) })
  }),

  scenario('server.unknown-method', 'an unknown NSID is 501 MethodNotImplemented', async (t, o) => {
    o.res('GET unknown', await t.call('com.example.nothing.here'))
    o.res('POST unknown', await t.call('com.example.nothing.here', { body: {} }))
  }),

  scenario('server.wrong-verb', 'a known method called with the wrong HTTP verb', async (t, o) => {
    o.res('POST a query', await t.call('com.atproto.server.describeServer', { body: {} }))
    o.res('GET a procedure', await t.call('com.atproto.server.createSession'))
  }),

  scenario('server.bad-params', 'missing and malformed query parameters', async (t, o) => {
    o.res('getRecord without params', await t.call('com.atproto.repo.getRecord'))
    o.res(
      'listRecords limit too large',
      await t.call('com.atproto.repo.listRecords', {
        params: { repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', collection: 'app.bsky.feed.post', limit: 1000 },
      }),
    )
    o.res(
      'getRecord with a malformed repo',
      await t.call('com.atproto.repo.getRecord', { params: { repo: 'not a did', collection: 'app.bsky.feed.post', rkey: 'x' } }),
    )
    o.res('createSession with a non-JSON body', await t.call('com.atproto.server.createSession', { body: new TextEncoder().encode('{nope'), contentType: 'application/json' }))
    o.res('createSession without identifier', await t.call('com.atproto.server.createSession', { body: { password: 'x' } }))
  }),

  scenario('server.well-known-atproto-did', '/.well-known/atproto-did by Host', async (t, o) => {
    const user = await t.createAccount('wk')
    const res = await hostGet(t, '/.well-known/atproto-did', user.handle)
    o.val('own handle', { status: res.status, type: res.type, matches: res.body.trim() === user.did })
    const other = await hostGet(t, '/.well-known/atproto-did', 'nobody-here.test')
    o.val('unknown handle', { status: other.status })
  }),
]
