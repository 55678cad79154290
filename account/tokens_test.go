package account

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestEmailTokens(tb testing.TB) (*EmailTokens, *fakeClock) {
	tb.Helper()
	clock := newFakeClock()
	return NewEmailTokens(MustServer(tb), EmailTokenConfig{Now: clock.Now}), clock
}

var emailTokenRE = regexp.MustCompile(`^[A-Z2-7]{5}-[A-Z2-7]{5}$`)

func TestEmailTokenLifecycle(t *testing.T) {
	et, clock := newTestEmailTokens(t)
	did := MustDID(t, testDID)
	token, err := et.Create(PurposeConfirmEmail, did)
	if err != nil {
		t.Fatal(err)
	}
	if !emailTokenRE.MatchString(token) {
		t.Fatalf("token %q", token)
	}
	if err := et.Check(PurposeConfirmEmail, did, token); err != nil {
		t.Fatal(err)
	}
	// Compared case-insensitively, as the reference upper-cases input.
	if err := et.Check(PurposeConfirmEmail, did, " "+strings.ToLower(token)+" "); err != nil {
		t.Fatalf("lower-case token: %v", err)
	}
	wantError(t, et.Check(PurposeUpdateEmail, did, token), ErrInvalidEmailToken)
	wantError(t, et.Check(PurposeConfirmEmail, MustDID(t, otherDID), token), ErrInvalidEmailToken)
	wantError(t, et.Check(PurposeConfirmEmail, did, "AAAAA-AAAAA"), ErrInvalidEmailToken)
	wantError(t, et.Check(PurposeConfirmEmail, did, ""), ErrInvalidEmailToken)

	// Consumed once.
	if err := et.Consume(PurposeConfirmEmail, did, token); err != nil {
		t.Fatal(err)
	}
	wantError(t, et.Consume(PurposeConfirmEmail, did, token), ErrInvalidEmailToken)

	// A new token replaces the old.
	t1, _ := et.Create(PurposeDeleteAccount, did)
	t2, _ := et.Create(PurposeDeleteAccount, did)
	if t1 == t2 {
		t.Fatal("same token twice")
	}
	wantError(t, et.Check(PurposeDeleteAccount, did, t1), ErrInvalidEmailToken)
	if _, err := et.FindDID(PurposeDeleteAccount, t1); err == nil {
		t.Fatal("the replaced token is still indexed")
	}
	if err := et.Check(PurposeDeleteAccount, did, t2); err != nil {
		t.Fatal(err)
	}

	if _, err := et.Create("bogus", did); err == nil {
		t.Fatal("unknown purpose accepted")
	}
	_ = clock
}

func TestEmailTokenExpiry(t *testing.T) {
	et, clock := newTestEmailTokens(t)
	did := MustDID(t, testDID)
	token, err := et.Create(PurposeResetPassword, did)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(15*time.Minute - time.Second)
	if err := et.Check(PurposeResetPassword, did, token); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	clock.Advance(time.Second)
	err = et.Check(PurposeResetPassword, did, token)
	wantError(t, err, ErrExpiredEmailToken)
	if e := new(Error); !errors.As(err, &e) || e.Name != "ExpiredToken" || e.Message != "Token is expired" {
		t.Fatalf("%v", err)
	}
	_, err = et.FindDID(PurposeResetPassword, token)
	wantError(t, err, ErrExpiredEmailToken)
	wantError(t, et.Consume(PurposeResetPassword, did, token), ErrExpiredEmailToken)

	n, err := et.DeleteExpired()
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v", n, err)
	}
	wantError(t, et.Check(PurposeResetPassword, did, token), ErrInvalidEmailToken)
}

func TestEmailTokenByToken(t *testing.T) {
	et, _ := newTestEmailTokens(t)
	alice, bob := MustDID(t, testDID), MustDID(t, otherDID)
	ta, _ := et.Create(PurposeResetPassword, alice)
	tb, _ := et.Create(PurposeResetPassword, bob)
	for _, tc := range []struct {
		token string
		did   string
	}{{ta, testDID}, {strings.ToLower(tb), otherDID}} {
		did, err := et.FindDID(PurposeResetPassword, tc.token)
		if err != nil || did.String() != tc.did {
			t.Errorf("FindDID(%q) = %v, %v", tc.token, did, err)
		}
	}
	for _, bad := range []string{"", "XXXXX-XXXXX", "\x00", ta + "\x01"} {
		_, err := et.FindDID(PurposeResetPassword, bad)
		wantError(t, err, ErrInvalidEmailToken)
	}
	_, err := et.FindDID(PurposeConfirmEmail, ta)
	wantError(t, err, ErrInvalidEmailToken)

	did, err := et.ConsumeByToken(PurposeResetPassword, ta)
	if err != nil || did != alice {
		t.Fatalf("ConsumeByToken = %v, %v", did, err)
	}
	_, err = et.ConsumeByToken(PurposeResetPassword, ta)
	wantError(t, err, ErrInvalidEmailToken)
}

func TestEmailTokenDeleteAll(t *testing.T) {
	et, _ := newTestEmailTokens(t)
	did, other := MustDID(t, testDID), MustDID(t, otherDID)
	purposes := []TokenPurpose{PurposeConfirmEmail, PurposeUpdateEmail, PurposeResetPassword, PurposeDeleteAccount, PurposePLCOperation}
	tokens := map[TokenPurpose]string{}
	for _, p := range purposes {
		if !p.Valid() {
			t.Fatalf("%s not valid", p)
		}
		tokens[p], _ = et.Create(p, did)
	}
	keep, _ := et.Create(PurposeConfirmEmail, other)
	if err := et.DeleteAll(did); err != nil {
		t.Fatal(err)
	}
	for _, p := range purposes {
		wantError(t, et.Check(p, did, tokens[p]), ErrInvalidEmailToken)
	}
	if err := et.Check(PurposeConfirmEmail, other, keep); err != nil {
		t.Fatalf("another account's token went: %v", err)
	}
	if err := et.Delete(PurposeConfirmEmail, other); err != nil {
		t.Fatal(err)
	}
	wantError(t, et.Check(PurposeConfirmEmail, other, keep), ErrInvalidEmailToken)
}
