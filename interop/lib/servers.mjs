// servers.mjs starts the three services of a run, all on 127.0.0.1: the
// PLC directory (@did-plc/server, in memory, in this process), the
// reference PDS (@atproto/pds, in this process) and boltsky (the binary,
// a child process). Both PDSes use the same PLC directory, as
// http://localhost:PORT.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import dns from 'node:dns'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { load } from './modules.mjs'

/**
 * APP_VIEW_DID names the app view both servers are configured with. Its
 * URL is a loopback port nothing listens on: whatever either server
 * forwards there fails the same way (502), and nothing leaves the machine.
 */
export const APP_VIEW_DID = 'did:web:appview.invalid'

/** freePort returns a TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** startPlc runs an in-memory PLC directory; returns { url, port, close }. */
export async function startPlc() {
  process.env.LOG_ENABLED ??= 'false'
  const { PlcServer, Database } = await load('@did-plc/server')
  const port = await freePort()
  const server = PlcServer.create({ db: Database.mock(), port })
  // PlcServer.start listens on every interface: bind loopback only.
  const http = server.app.listen(port, '127.0.0.1')
  await new Promise((resolve, reject) => {
    http.once('listening', resolve)
    http.once('error', reject)
  })
  // Node closes idle keep-alive connections after 5 s; a client that
  // reuses one at that moment sees a reset. A directory behind a load
  // balancer keeps them far longer: so does this one.
  http.keepAliveTimeout = 120_000
  http.headersTimeout = 121_000
  return {
    port,
    url: `http://localhost:${port}`,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections?.()
        http.close(() => resolve())
      }),
  }
}

/**
 * startReference runs @atproto/pds in this process with the settings of
 * shared/docs/TESTING.md. Every email it sends is handed to onMail as
 * { to, subject, text } (the mailer's own transport renders it; no SMTP
 * server is configured, so nothing leaves the process).
 */
export async function startReference({ dir, plcUrl, adminPassword, blobUploadLimit, onMail }) {
  const pdsMod = await load('@atproto/pds')
  const { Secp256k1Keypair } = await load('@atproto/crypto')
  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  fs.mkdirSync(dir, { recursive: true })
  // The reference resolves handles outside its domains with DNS TXT
  // lookups (node:dns): point them at loopback, where nothing answers, so
  // no scenario can make this process query a real resolver.
  dns.setServers(['127.0.0.1'])
  const port = await freePort()
  const unusedPort = await freePort()
  const env = {
    PDS_PORT: String(port),
    PDS_HOSTNAME: 'localhost',
    PDS_DEV_MODE: 'true',
    PDS_DATA_DIRECTORY: dir,
    PDS_BLOBSTORE_DISK_LOCATION: path.join(dir, 'blobs'),
    PDS_BLOBSTORE_DISK_TMP_LOCATION: path.join(dir, 'tmp'),
    PDS_DID_PLC_URL: plcUrl,
    PDS_DISABLE_SSRF_PROTECTION: 'true',
    PDS_INVITE_REQUIRED: 'false',
    PDS_SERVICE_HANDLE_DOMAINS: '.test',
    PDS_JWT_SECRET: randomBytes(32).toString('hex'),
    PDS_DPOP_SECRET: randomBytes(32).toString('hex'),
    PDS_ADMIN_PASSWORD: adminPassword,
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: Buffer.from(await rotationKey.export()).toString('hex'),
    PDS_BLOB_UPLOAD_LIMIT: String(blobUploadLimit),
    // getPreferences/putPreferences are mounted only with an app view:
    // name one on a port nothing listens on; nothing is proxied to it.
    PDS_BSKY_APP_VIEW_URL: `http://localhost:${unusedPort}`,
    PDS_BSKY_APP_VIEW_DID: APP_VIEW_DID,
    // Sessions carry the DID document, as boltsky's do by default (and
    // as @atproto/api uses to find the PDS).
    PDS_ENABLE_DID_DOC_WITH_SESSION: 'true',
    LOG_ENABLED: 'false',
  }
  // No app view CDN, moderation, report service, crawler or email
  // transport: nothing external is called.
  for (const k of Object.keys(process.env)) {
    if (k.startsWith('PDS_')) delete process.env[k]
  }
  Object.assign(process.env, env)
  const cfg = pdsMod.envToCfg(pdsMod.readEnv())
  const secrets = pdsMod.envToSecrets(pdsMod.readEnv())
  const pds = await pdsMod.PDS.create(cfg, secrets)
  // Express listens on every interface by default: bind loopback only.
  const listen = pds.app.listen.bind(pds.app)
  pds.app.listen = (p, ...rest) => listen(p, '127.0.0.1', ...rest)
  // Capture mail: the transport is nodemailer's JSON transport, so the
  // result of sendMail carries the rendered message.
  const transporter = pds.ctx.mailer.transporter
  const sendMail = transporter.sendMail.bind(transporter)
  transporter.sendMail = async (msg) => {
    const res = await sendMail(msg)
    try {
      const m = JSON.parse(res.message)
      const to = [m.to].flat().map((a) => (typeof a === 'string' ? a : a.address))
      for (const addr of to) onMail?.({ to: addr, subject: m.subject, text: m.text ?? '' })
    } catch (err) {
      process.stderr.write(`reference mail capture: ${err.message}\n`)
    }
    return res
  }
  await pds.start()
  return {
    name: 'reference',
    url: `http://localhost:${port}`,
    port,
    pds,
    close: () => pds.destroy(),
  }
}

/**
 * startBoltsky runs the boltsky binary on 127.0.0.1 with its data in dir;
 * its output goes to dir/boltsky.log. Mail goes to dir/data/mail.jsonl.
 */
export async function startBoltsky({ bin, dir, plcUrl, adminPassword, blobUploadLimit }) {
  const port = await freePort()
  const unusedPort = await freePort()
  const dataDir = path.join(dir, 'data')
  fs.mkdirSync(dataDir, { recursive: true })
  const url = `http://localhost:${port}`
  const log = fs.openSync(path.join(dir, 'boltsky.log'), 'a')
  const args = [
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--data-dir', dataDir,
    '--hostname', 'localhost',
    '--public-url', url,
    '--plc-url', plcUrl,
    '--admin-password', adminPassword,
    '--blob-upload-limit', String(blobUploadLimit),
    '--handle-domains', '.test',
    '--appview-url', `http://localhost:${unusedPort}`,
    '--appview-did', APP_VIEW_DID,
    '--log-level', 'warn',
  ]
  const env = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BOLTSKY_')) env[k] = v
  const child = spawn(bin, args, { stdio: ['ignore', log, log], env })
  let exited = null
  child.on('exit', (code, signal) => {
    exited = { code, signal }
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(`boltsky exited at start (${JSON.stringify(exited)}); see ${path.join(dir, 'boltsky.log')}`)
    try {
      const res = await fetch(`${url}/xrpc/_health`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`boltsky not healthy within 30 s; see ${path.join(dir, 'boltsky.log')}`)
    await sleep(100)
  }
  return {
    name: 'boltsky',
    url,
    port,
    dataDir,
    child,
    close: async () => {
      if (exited) return
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)))
      clearTimeout(t)
    },
  }
}
