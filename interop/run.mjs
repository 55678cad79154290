// run.mjs is the differential conformance run: it starts a PLC directory,
// the reference PDS (@atproto/pds) and boltsky side by side on 127.0.0.1,
// runs every scenario (scenarios/*.mjs) against both at once, reduces each
// answer to a fingerprint (lib/fingerprint.mjs, lib/record.mjs), compares
// the two lists and prints one line per scenario:
//
//   same       the fingerprints are identical
//   allowed    they differ only where INTENTIONAL_DIFFERENCES.json says
//   bug        they differ only where KNOWN_BUGS.json says (boltsky bugs
//              waiting for a fix; counted as failures with --strict)
//   DIFFERENT  an unexplained difference: the run fails
//   BROKEN     the scenario threw on both servers at the same step: the
//              run fails (a scenario or harness problem)
//
// An entry of either list that no longer matches any difference fails the
// run too, so both lists stay true.
//
//   node run.mjs --boltsky BIN [--work DIR] [--only SUBSTRING] [--strict] [--keep]
//
// Needs Node 22+ and the packages of package-lock.json, found in
// INTEROP_NODE_MODULES (ci.sh installs both into a cache folder).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { diffShapes } from './lib/fingerprint.mjs'
import { Recorder } from './lib/record.mjs'
import { startBoltsky, startPlc, startReference } from './lib/servers.mjs'
import { readJsonl, Target } from './lib/target.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const SCENARIO_TIMEOUT_MS = 60_000
const ADMIN_PASSWORD = 'interop-admin-password'
// Both servers get the same upload limit so "too big" means the same.
const BLOB_UPLOAD_LIMIT = 2_000_000

function parseArgs(argv) {
  const opts = { boltsky: process.env.INTEROP_BOLTSKY, work: '', only: [], strict: false, keep: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--boltsky') opts.boltsky = argv[++i]
    else if (a === '--work') opts.work = argv[++i]
    else if (a === '--only') opts.only.push(argv[++i])
    else if (a === '--strict') opts.strict = true
    else if (a === '--keep') opts.keep = true
    else throw new Error(`unknown argument ${a}`)
  }
  if (!opts.boltsky) throw new Error('--boltsky BIN (or INTEROP_BOLTSKY) is required')
  return opts
}

async function loadScenarios() {
  const dir = path.join(here, 'scenarios')
  const all = []
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.mjs')) continue
    const mod = await import(pathToFileURL(path.join(dir, f)).href)
    all.push(...mod.default)
  }
  const ids = new Set()
  for (const s of all) {
    if (ids.has(s.id)) throw new Error(`scenario id ${s.id} is used twice`)
    ids.add(s.id)
  }
  return all
}

// loadList reads a list of explained differences: each entry has an id,
// "what" differs, a "reason" (intentional) or "bug" (known bugs), and
// "where": the scenario ids and steps it covers, each optionally narrowed
// to a fingerprint path.
function loadList(file, textKey) {
  const entries = JSON.parse(fs.readFileSync(path.join(here, file), 'utf8'))
  for (const e of entries) {
    for (const k of ['id', 'what', textKey]) {
      if (typeof e[k] !== 'string' || !e[k]) throw new Error(`${file}: entry ${e.id ?? '?'} lacks "${k}"`)
    }
    if (!Array.isArray(e.where) || !e.where.length) throw new Error(`${file}: entry ${e.id} lacks "where"`)
    for (const w of e.where) {
      if (!w.scenario || !w.step) throw new Error(`${file}: entry ${e.id} has a "where" without scenario and step`)
      w.used = 0
    }
  }
  return entries
}

// covers tells whether place w (of an entry) explains difference d of
// scenario scenarioId: same scenario, the same step (or a step starting
// with w.step without its final '*'), and a path starting with w.path
// (any path when w has none).
function covers(w, scenarioId, d) {
  if (w.scenario !== scenarioId) return false
  const step = w.step.endsWith('*') ? d.step.startsWith(w.step.slice(0, -1)) : d.step === w.step
  if (!step) return false
  return !w.path || d.path === w.path || d.path.startsWith(w.path + '.') || d.path.startsWith(w.path + '[')
}

// explain returns the entry of list with a place covering d, marking
// that place used.
function explain(list, scenarioId, d) {
  for (const e of list) {
    const w = e.where.find((w) => covers(w, scenarioId, d))
    if (w) {
      w.used++
      return e
    }
  }
  return undefined
}

async function runOn(target, scenario) {
  const rec = new Recorder(target)
  let timer
  try {
    await Promise.race([
      scenario.run(target, rec),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS} ms`)), SCENARIO_TIMEOUT_MS)
      }),
    ])
  } catch (err) {
    const fp = err.res ? { status: err.res.status, error: err.res.json?.error ?? '<none>' } : 'exception'
    rec.add('<stopped>', fp)
    rec.exception = err
  } finally {
    clearTimeout(timer)
  }
  return rec
}

// compare aligns the two step lists by position (the scenario is the same
// code on both sides; a label mismatch means one side stopped early).
function compare(a, b) {
  const diffs = []
  const n = Math.max(a.steps.length, b.steps.length)
  for (let i = 0; i < n; i++) {
    const x = a.steps[i]
    const y = b.steps[i]
    if (!x || !y || x.label !== y.label) {
      diffs.push({
        step: x?.label ?? y?.label,
        path: '(step)',
        a: x ? `${x.label}: ${JSON.stringify(x.fp)}` : '(no such step)',
        b: y ? `${y.label}: ${JSON.stringify(y.fp)}` : '(no such step)',
      })
      break
    }
    for (const d of diffShapes(x.fp, y.fp)) diffs.push({ step: x.label, ...d })
  }
  return diffs
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const scenarios = (await loadScenarios()).filter((s) => !opts.only.length || opts.only.some((o) => s.id.includes(o)))
  const intentional = loadList('INTENTIONAL_DIFFERENCES.json', 'reason')
  const bugs = loadList('KNOWN_BUGS.json', 'bug')
  const work = opts.work || fs.mkdtempSync(path.join(os.tmpdir(), 'boltsky-interop-'))
  fs.mkdirSync(work, { recursive: true })
  console.log(`interop: ${scenarios.length} scenarios; work folder ${work}`)

  const closers = []
  // cleanup stops what was started, newest first, each within 10 s.
  const cleanup = async () => {
    for (const c of closers.reverse()) {
      let timer
      try {
        await Promise.race([c(), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))])
      } catch {
      } finally {
        clearTimeout(timer)
      }
    }
    closers.length = 0
  }
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup().finally(() => process.exit(130))
    })
  }

  let exitCode = 0
  try {
    const plc = await startPlc()
    closers.push(plc.close)
    const refMail = []
    const ref = await startReference({
      dir: path.join(work, 'reference'),
      plcUrl: plc.url,
      adminPassword: ADMIN_PASSWORD,
      blobUploadLimit: BLOB_UPLOAD_LIMIT,
      onMail: (m) => refMail.push(m),
    })
    closers.push(ref.close)
    const bs = await startBoltsky({
      bin: path.resolve(opts.boltsky),
      dir: path.join(work, 'boltsky'),
      plcUrl: plc.url,
      adminPassword: ADMIN_PASSWORD,
      blobUploadLimit: BLOB_UPLOAD_LIMIT,
    })
    closers.push(bs.close)
    console.log(`interop: PLC ${plc.url}, reference ${ref.url}, boltsky ${bs.url} (${Date.now() - started} ms)`)

    const common = { plcUrl: plc.url, adminPassword: ADMIN_PASSWORD, blobUploadLimit: BLOB_UPLOAD_LIMIT }
    const targets = [
      new Target({ ...common, name: 'reference', url: ref.url, readMail: () => refMail }),
      new Target({ ...common, name: 'boltsky', url: bs.url, readMail: readJsonl(path.join(bs.dataDir, 'mail.jsonl')) }),
    ]
    for (const t of targets) {
      await t.firehose.start()
      closers.push(() => t.firehose.close())
    }

    const results = []
    for (const s of scenarios) {
      const t0 = Date.now()
      const [a, b] = await Promise.all(targets.map((t) => runOn(t, s)))
      const diffs = compare(a, b)
      let status
      const unexplained = []
      const bugHits = []
      for (const d of diffs) {
        if (explain(intentional, s.id, d)) continue
        const k = explain(bugs, s.id, d)
        if (k) {
          if (!bugHits.includes(k)) bugHits.push(k)
          continue
        }
        unexplained.push(d)
      }
      if (a.exception && b.exception && diffs.length === 0) status = 'BROKEN'
      else if (unexplained.length) status = 'DIFFERENT'
      else if (bugHits.length) status = 'bug'
      else if (diffs.length) status = 'allowed'
      else status = 'same'
      const r = { id: s.id, title: s.title, status, diffs, unexplained, bugs: bugHits.map((k) => k.id), ms: Date.now() - t0, a, b }
      results.push(r)
      const note = status === 'bug' ? ` [${r.bugs.join(', ')}]` : ''
      console.log(`${status.padEnd(9)} ${s.id.padEnd(40)} ${s.title} (${r.ms} ms)${note}`)
      if (status === 'DIFFERENT' || status === 'BROKEN') {
        for (const d of status === 'BROKEN' ? [] : unexplained.slice(0, 8)) {
          console.log(`            step "${d.step}" at ${d.path}:\n              reference: ${d.a}\n              boltsky:   ${d.b}`)
        }
        if (unexplained.length > 8) console.log(`            ... and ${unexplained.length - 8} more`)
        for (const rec of [a, b]) {
          if (rec.exception) console.log(`            ${rec.t.name} stopped: ${rec.exception.message}`)
        }
      }
    }

    // Entries that no longer match anything.
    const stale = []
    const ran = new Set(scenarios.map((s) => s.id))
    for (const [file, list] of [
      ['INTENTIONAL_DIFFERENCES.json', intentional],
      ['KNOWN_BUGS.json', bugs],
    ]) {
      for (const e of list) {
        for (const w of e.where) if (ran.has(w.scenario) && w.used === 0) stale.push(`${file}: ${e.id} at ${w.scenario} / ${w.step}${w.path ? ' ' + w.path : ''}`)
      }
    }

    const count = (st) => results.filter((r) => r.status === st).length
    const failedScenarios = count('DIFFERENT') + count('BROKEN') + (opts.strict ? count('bug') : 0)
    fs.writeFileSync(
      path.join(work, 'report.json'),
      JSON.stringify(
        results.map(({ a, b, ...r }) => ({ ...r, reference: a.steps, boltsky: b.steps })),
        null,
        1,
      ),
    )
    console.log('')
    if (count('bug')) {
      console.log('Known boltsky bugs seen (KNOWN_BUGS.json):')
      for (const e of bugs.filter((e) => e.where.some((w) => w.used))) console.log(`  ${e.id}: ${e.what}`)
    }
    for (const s of stale) console.log(`stale entry (matches no difference; remove it): ${s}`)
    console.log(
      `interop: ${results.length} scenarios compared: ${count('same')} same, ${count('allowed')} allowed-different, ` +
        `${count('bug')} known boltsky bugs, ${count('DIFFERENT')} different, ${count('BROKEN')} broken; ` +
        `${stale.length} stale entries (${((Date.now() - started) / 1000).toFixed(1)} s; report ${path.join(work, 'report.json')})`,
    )
    // The closing line counts scenarios; stale entries fail the run too.
    console.log(`interop: ${results.length - failedScenarios} passed, ${failedScenarios} failed`)
    if (failedScenarios || stale.length) exitCode = 1
  } catch (err) {
    console.error(`interop: ${err.stack ?? err}`)
    exitCode = 2
  } finally {
    await cleanup()
    if (!opts.keep && !opts.work && exitCode === 0) fs.rmSync(work, { recursive: true, force: true })
  }
  process.exit(exitCode)
}

await main()
