// serve.mjs runs a PLC directory and the reference PDS on 127.0.0.1 and
// keeps them up until SIGINT or SIGTERM, so that boltsky can be measured
// beside the reference (docs/BENCHMARKS.md):
//
//   bash interop/ci.sh serve DIR
//
// It prints one JSON line once both answer: the PLC URL, the reference's
// URL, this process's pid (the reference runs in it), the reference's data
// directory and its admin password. The reference is configured as the
// differential run configures it (handle domain .test, dev mode, no
// invite codes).
import fs from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { randomBytes } from 'node:crypto'
import { startPlc, startReference } from './lib/servers.mjs'

const dir = path.resolve(process.argv[2] || fs.mkdtempSync('/tmp/boltsky-reference-'))
const adminPassword = randomBytes(12).toString('hex')
const plc = await startPlc()
const ref = await startReference({
  dir: path.join(dir, 'reference'),
  plcUrl: plc.url,
  adminPassword,
  blobUploadLimit: 100_000_000,
})
console.log(JSON.stringify({
  plc: plc.url,
  reference: ref.url,
  pid: process.pid,
  dataDir: path.join(dir, 'reference'),
  adminPassword,
}))
let closing = false
const stop = async () => {
  if (closing) return
  closing = true
  await ref.close()
  await plc.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
