package account

// Scope is the scope claim of a session token: what the credentials that
// made the session may do.
type Scope string

// Session token scopes, as the reference names them.
const (
	// ScopeAccess is a full login with the account password.
	ScopeAccess Scope = "com.atproto.access"
	// ScopeRefresh marks refresh tokens; it opens no endpoint but the
	// refresh and delete session calls.
	ScopeRefresh Scope = "com.atproto.refresh"
	// ScopeAppPass is a login with an ordinary app password.
	ScopeAppPass Scope = "com.atproto.appPass"
	// ScopeAppPassPrivileged is a login with a privileged app password,
	// which may also reach direct messages.
	ScopeAppPassPrivileged Scope = "com.atproto.appPassPrivileged"
	// ScopeSignupQueued is an account waiting in the sign-up queue; only
	// getSession, checkSignupQueue and push registration accept it.
	ScopeSignupQueued Scope = "com.atproto.signupQueued"
	// ScopeTakendown is a login to a taken-down or suspended account; only
	// the endpoints an account needs to leave the server accept it.
	ScopeTakendown Scope = "com.atproto.takendown"
)

// Valid reports whether s is one of the scopes above.
func (s Scope) Valid() bool { return s.bit() != 0 }

// IsAccessFull reports whether s is a full (account password) login.
func (s Scope) IsAccessFull() bool { return AccessFull.Has(s) }

// IsAccessPrivileged reports whether s is a full login or a privileged
// app password.
func (s Scope) IsAccessPrivileged() bool { return AccessPrivileged.Has(s) }

// IsTakendown reports whether s belongs to a taken-down account.
func (s Scope) IsTakendown() bool { return s == ScopeTakendown }

func (s Scope) bit() Scopes {
	switch s {
	case ScopeAccess:
		return scopeBitAccess
	case ScopeAppPass:
		return scopeBitAppPass
	case ScopeAppPassPrivileged:
		return scopeBitAppPassPrivileged
	case ScopeSignupQueued:
		return scopeBitSignupQueued
	case ScopeTakendown:
		return scopeBitTakendown
	case ScopeRefresh:
		return scopeBitRefresh
	}
	return 0
}

// Scopes is a set of scopes an endpoint accepts.
type Scopes uint8

const (
	scopeBitAccess Scopes = 1 << iota
	scopeBitAppPass
	scopeBitAppPassPrivileged
	scopeBitSignupQueued
	scopeBitTakendown
	scopeBitRefresh
)

// The scope sets endpoints declare (PROTOCOL §9.3). Endpoints that also
// serve taken-down or queued accounts add ScopeTakendown or
// ScopeSignupQueued with With.
//
// As in the reference: account, email, password, app-password and invite
// management, identity operations and importRepo take AccessFull; chat
// proxying takes AccessPrivileged; everything else takes AccessStandard.
// ScopeTakendown is added for getServiceAuth, deactivateAccount,
// requestPlcOperationSignature, signPlcOperation, createReport,
// getPreferences and sync getRepo/getBlob/listBlobs; ScopeSignupQueued for
// getSession, checkSignupQueue and registerPush.
const (
	// AccessFull accepts only full logins.
	AccessFull = scopeBitAccess
	// AccessPrivileged adds privileged app passwords.
	AccessPrivileged = AccessFull | scopeBitAppPassPrivileged
	// AccessStandard adds ordinary app passwords.
	AccessStandard = AccessPrivileged | scopeBitAppPass
)

// Has reports whether s contains scope.
func (s Scopes) Has(scope Scope) bool {
	b := scope.bit()
	return b != 0 && s&b != 0
}

// With returns s plus the given scopes.
func (s Scopes) With(scopes ...Scope) Scopes {
	for _, sc := range scopes {
		s |= sc.bit()
	}
	return s
}

// Without returns s less the given scopes; an endpoint that checks for
// takedowns removes ScopeTakendown, as the reference does.
func (s Scopes) Without(scopes ...Scope) Scopes {
	for _, sc := range scopes {
		s &^= sc.bit()
	}
	return s
}

// Check returns nil when s contains scope and ErrBadTokenScope otherwise.
func (s Scopes) Check(scope Scope) error {
	if !s.Has(scope) {
		return ErrBadTokenScope
	}
	return nil
}

// accessScopes are the scopes an access token may carry.
const accessScopes = AccessStandard | scopeBitSignupQueued | scopeBitTakendown
