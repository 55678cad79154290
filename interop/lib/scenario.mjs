// scenario.mjs is what scenario files share: the scenario constructor and
// fixed record values (the same bytes on both servers, so record CIDs and
// MST roots can be compared verbatim).
export { must } from './target.mjs'

/**
 * scenario declares one compared scenario: run(t, o) drives target t and
 * records what it saw into o (a Recorder). The same code runs against
 * both servers at once; every recorded step must match.
 */
export function scenario(id, title, run) {
  return { id, title, run }
}

/** CREATED_AT is the createdAt of every record the scenarios write. */
export const CREATED_AT = '2024-01-02T03:04:05.678Z'

/** post returns an app.bsky.feed.post record with the given text. */
export function post(text, extra = {}) {
  return { $type: 'app.bsky.feed.post', text, createdAt: CREATED_AT, ...extra }
}

/** tinyPNG is a valid 1x1 PNG image. */
export const tinyPNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/** POST and PROFILE are the collections most scenarios write. */
export const POST = 'app.bsky.feed.post'
export const PROFILE = 'app.bsky.actor.profile'
