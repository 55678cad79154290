// plc-server.mjs runs a did:plc directory (@did-plc/server) with an
// in-memory database on 127.0.0.1, for tests. Once it listens it prints
// one line, "PLC_PORT=<port>", then serves until it is killed (SIGTERM,
// SIGINT) or its standard input closes, so it never outlives the test
// process that started it.
//
//   BOLTSKY_PLC_NODE_MODULES=/work/.cache/plc/node_modules node plc-server.mjs [port]
//
// Port 0 or none picks a free port. The packages are looked up in
// BOLTSKY_PLC_NODE_MODULES (see install.sh), else in NODE_PATH.
import { createRequire } from 'node:module'
import path from 'node:path'
import process from 'node:process'

// The server's request logger reads this when it is loaded; keep the
// output to the one line above unless asked otherwise.
process.env.LOG_ENABLED ??= 'false'

const modules = process.env.BOLTSKY_PLC_NODE_MODULES || process.env.NODE_PATH || 'node_modules'
const require = createRequire(path.join(path.resolve(modules), 'plc-server.cjs'))
const { PlcServer, Database } = require('@did-plc/server')

const port = Number(process.argv[2] || 0)
const server = PlcServer.create({ db: Database.mock(), port })
// PlcServer.start would listen on every interface: bind loopback only.
const httpServer = server.app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`PLC_PORT=${httpServer.address().port}\n`)
})
httpServer.on('error', (err) => {
  process.stderr.write(`plc-server: ${err.message}\n`)
  process.exit(1)
})

const stop = () => {
  httpServer.closeAllConnections?.()
  httpServer.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 1000).unref()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
if (!process.stdin.isTTY) {
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
}
