package account

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorScheme(t *testing.T) {
	refined := ErrHandleTaken.withMessage("Handle already taken: alice.test")
	wrapped := fmt.Errorf("cannot claim: %w", refined)
	if !errors.Is(wrapped, ErrHandleTaken) {
		t.Fatal("a wrapped refinement does not match its sentinel")
	}
	if errors.Is(wrapped, ErrEmailTaken) {
		t.Fatal("a refinement matches another sentinel of the same name and status")
	}
	if errors.Is(ErrEmailTaken, ErrHandleTaken) || errors.Is(ErrMalformedToken, ErrInvalidToken) {
		t.Fatal("distinct sentinels match")
	}
	var e *Error
	if !errors.As(wrapped, &e) || e.Name != "InvalidRequest" || e.Status != 400 || e.Message != "Handle already taken: alice.test" {
		t.Fatalf("errors.As gave %+v", e)
	}
	if got := refined.Error(); got != "account: InvalidRequest: Handle already taken: alice.test" {
		t.Errorf("Error() = %q", got)
	}
	// Refining a refinement keeps the original sentinel.
	if !errors.Is(refined.withMessage("again"), ErrHandleTaken) {
		t.Error("a refinement of a refinement lost its sentinel")
	}
	if errors.Is(errors.New("account: x"), ErrHandleTaken) {
		t.Error("a plain error matches")
	}
}

// TestErrorTable pins the name and status of every client-visible
// sentinel, the contract with the HTTP layer's error table.
func TestErrorTable(t *testing.T) {
	for _, tc := range []struct {
		err    *Error
		name   string
		status int
	}{
		{ErrInvalidToken, "InvalidToken", 400},
		{ErrExpiredToken, "ExpiredToken", 400},
		{ErrMalformedToken, "InvalidToken", 400},
		{ErrBadTokenScope, "InvalidToken", 400},
		{ErrBadTokenMethod, "InvalidToken", 400},
		{ErrMissingTokenID, "MissingTokenId", 401},
		{ErrTokenRevoked, "ExpiredToken", 400},
		{ErrPasswordTooLong, "InvalidRequest", 400},
		{ErrInvalidAppPasswordName, "InvalidRequest", 400},
		{ErrAppPasswordExists, "InvalidRequest", 400},
		{ErrBadJwt, "BadJwt", 401},
		{ErrBadJwtType, "BadJwtType", 401},
		{ErrJwtExpired, "JwtExpired", 401},
		{ErrBadJwtAudience, "BadJwtAudience", 401},
		{ErrBadJwtLexiconMethod, "BadJwtLexiconMethod", 401},
		{ErrBadJwtIss, "BadJwtIss", 401},
		{ErrBadJwtSignature, "BadJwtSignature", 401},
		{ErrUnresolvedIssuer, "AuthenticationRequired", 401},
		{ErrJwtReplayed, "BadJwt", 401},
		{ErrInvalidServiceAud, "InvalidRequest", 400},
		{ErrBadExpiration, "BadExpiration", 400},
		{ErrInsufficientAccess, "InvalidRequest", 400},
		{ErrProtectedMethod, "InvalidRequest", 400},
		{ErrInvalidInviteCode, "InvalidInviteCode", 400},
		{ErrInviteCodeRequired, "InvalidInviteCode", 400},
		{ErrInvalidEmailToken, "InvalidToken", 400},
		{ErrExpiredEmailToken, "ExpiredToken", 400},
		{ErrInvalidHandle, "InvalidHandle", 400},
		{ErrHandleNotAvailable, "HandleNotAvailable", 400},
		{ErrUnsupportedDomain, "UnsupportedDomain", 400},
		{ErrHandleTaken, "InvalidRequest", 400},
		{ErrEmailTaken, "InvalidRequest", 400},
		{ErrInvalidEmail, "InvalidRequest", 400},
		{ErrInvalidLogin, "AuthenticationRequired", 401},
		{ErrLoginPasswordTooLong, "AuthenticationRequired", 401},
		{ErrAccountTakedown, "AccountTakedown", 401},
		{ErrAccountDeactivated, "AccountDeactivated", 401},
		{ErrAccountNotFound, "AccountNotFound", 403},
	} {
		if tc.err.Name != tc.name || tc.err.Status != tc.status || tc.err.Message == "" {
			t.Errorf("%v: name %q status %d, want %q %d", tc.err, tc.err.Name, tc.err.Status, tc.name, tc.status)
		}
	}
}
