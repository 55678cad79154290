// modules.mjs loads the npm packages of a run from the node_modules folder
// named by INTEROP_NODE_MODULES (ci.sh installs it outside the repository),
// else from interop/node_modules.
import { createRequire } from 'node:module'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

/** nodeModules is the folder the packages are loaded from. */
export const nodeModules = path.resolve(process.env.INTEROP_NODE_MODULES || path.join(here, '..', 'node_modules'))

const require = createRequire(path.join(nodeModules, 'interop.cjs'))

/** resolvePath returns the file URL of the module spec names. */
export function resolvePath(spec) {
  return pathToFileURL(require.resolve(spec)).href
}

const cache = new Map()

/** load imports the package spec (cached). */
export async function load(spec) {
  if (!cache.has(spec)) cache.set(spec, import(resolvePath(spec)))
  return cache.get(spec)
}
