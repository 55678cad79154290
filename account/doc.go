// Package account holds the credentials side of hosting an account,
// independent of any transport: password hashing, app passwords, session
// tokens and their refresh rotation, the inter-service auth JWTs an account
// signs and the ones this server accepts, invite codes, emailed one-time
// tokens and the mail that carries them, handle rules for sign-up, the
// handle and email index in server.db, and sealing signing keys at rest.
//
// The account file itself (kv.AccountState, kv.AppPassword) belongs to the
// actor that owns it: functions here take and return those values, or
// work on server.db (kv.Server), and the server composes them.
//
// # Terms
//
//   - Access token: an HS256 JWT with header typ "at+jwt" and claims scope,
//     sub (the account DID), aud (this server's DID), iat and exp; it lives
//     two hours by default. Its scope is one of [ScopeAccess],
//     [ScopeAppPass], [ScopeAppPassPrivileged], [ScopeTakendown] and
//     [ScopeSignupQueued].
//   - Refresh token: an HS256 JWT with header typ "refresh+jwt", scope
//     [ScopeRefresh] and a jti naming its record in kv.TableSessions; it
//     lives 90 days by default. Refreshing rotates it: the old record is
//     shortened to a grace period (two hours) and points at the id of its
//     successor, so reusing the old token within the grace period yields a
//     token with the same id again.
//   - Scope sets: [AccessFull] (account password only), [AccessPrivileged]
//     (plus privileged app passwords) and [AccessStandard] (plus ordinary
//     app passwords), as endpoints declare them.
//   - Service auth JWT: a short-lived token an account signs with its
//     repository key (alg ES256K or ES256, typ "JWT") naming the issuer
//     (iss), the audience service (aud), the method it may call (lxm), an
//     expiry (exp) and a nonce (jti).
//   - Email token: a one-time code XXXXX-XXXXX mailed to the account for
//     one [TokenPurpose], valid 15 minutes.
//   - Invite code: "<hostname with dashes>-xxxxx-xxxxx", usable a fixed
//     number of times.
//
// # Errors
//
// Errors a client may see are *[Error] values: an XRPC error name, the
// message the reference implementation sends, and the HTTP status it
// answers with. Each is a package sentinel (ErrExpiredToken,
// ErrHandleTaken, ...) or a refinement of one with a more specific message;
// errors.Is matches a refinement against its sentinel, errors.As recovers
// the name, message and status. They may be wrapped with detail meant for
// logs; the HTTP layer sends Error.Message, never the wrapped text. Any
// other error (storage, mail delivery, a corrupt record) is internal.
//
// # Data in server.db
//
//   - kv.TableSessions: refresh-token records by token id (JSON: did,
//     scope, app password name, expiry, id of the successor), and an index
//     entry "\x00<did>\x00<id>" per record.
//   - kv.TableInvites: code records by code (JSON: available, used,
//     disabled, forAccount, createdBy, createdAt), an index entry
//     "\x00a\x00<forAccount>\x00<code>" per code, and "\x00d\x00<did>" for
//     an account whose invites are disabled. kv.TableInviteUses: a use by
//     "<code>\x00<did>".
//   - kv.TableTokens: email tokens by "<purpose>\x00<did>" (JSON: token,
//     requestedAt) and "<purpose>\x01<TOKEN>" -> DID.
//   - kv.TableHandles and kv.TableEmails: handle and lower-cased email to
//     DID, through Index.
//
// Keys that start with a control byte never collide with codes, token ids
// or handles, which cannot.
//
// # Invariants
//
//   - Nothing in this package keeps package-level mutable state, starts a
//     goroutine or reads the environment; clocks and randomness come from
//     configuration.
//   - Every change to server.db that must be atomic (using an invite code,
//     claiming a handle and an email, rotating a refresh token, consuming
//     an email token) happens in one kv.Server.Update; the Tx variants let
//     the server put several into one transaction.
//   - Secrets (the JWT secret, the key-sealing key) are opaque values that
//     print redacted.
package account
