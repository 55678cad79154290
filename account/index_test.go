package account

import (
	"errors"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func TestIndexClaimMoveRelease(t *testing.T) {
	db := MustServer(t)
	x := NewIndex(db)
	alice, bob := MustDID(t, testDID), MustDID(t, otherDID)
	ha, hb := MustHandle(t, "alice.test"), MustHandle(t, "bob.test")

	if err := x.Claim(alice, ha, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := x.Claim(alice, ha, "alice@example.com"); err != nil {
		t.Fatalf("claiming one's own entries again: %v", err)
	}
	err := x.Claim(bob, ha, "bob@example.com")
	wantError(t, err, ErrHandleTaken)
	if e := new(Error); !errors.As(err, &e) || e.Message != "Handle already taken: alice.test" || e.Name != "InvalidRequest" {
		t.Fatalf("%v", err)
	}
	// The failed claim left nothing behind once its transaction failed.
	if _, err := x.EmailDID("bob@example.com"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("partial claim: %v", err)
	}
	err = x.Claim(bob, hb, "alice@example.com")
	wantError(t, err, ErrEmailTaken)
	if e := new(Error); !errors.As(err, &e) || e.Message != "Email already taken: alice@example.com" {
		t.Fatalf("%v", err)
	}
	if err := x.Claim(bob, hb, ""); err != nil {
		t.Fatal(err)
	}

	if did, err := x.HandleDID(ha); err != nil || did != alice {
		t.Fatalf("HandleDID = %v, %v", did, err)
	}
	if did, err := x.EmailDID("ALICE@example.com"); err != nil || did != alice {
		t.Fatalf("EmailDID = %v, %v", did, err)
	}

	// Moves.
	hn := MustHandle(t, "alice2.test")
	wantError(t, x.MoveHandle(alice, ha, hb), ErrHandleTaken)
	if err := x.MoveHandle(alice, ha, hn); err != nil {
		t.Fatal(err)
	}
	if _, err := x.HandleDID(ha); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("old handle still mapped: %v", err)
	}
	if err := x.MoveHandle(alice, atp.Handle{}, hn); err != nil {
		t.Fatalf("move from nothing to own handle: %v", err)
	}
	wantError(t, x.MoveEmail(bob, "", "alice@example.com"), ErrEmailTaken)
	if err := x.MoveEmail(alice, "alice@example.com", "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.EmailDID("alice@example.com"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("old email still mapped: %v", err)
	}

	// Release leaves other accounts' entries alone.
	if err := x.Release(bob, hn, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if did, err := x.HandleDID(hn); err != nil || did != alice {
		t.Fatalf("release by another account removed the entry: %v, %v", did, err)
	}
	if err := x.Release(alice, hn, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.HandleDID(hn); !errors.Is(err, kv.ErrNotFound) {
		t.Fatal("handle not released")
	}
	if _, err := x.EmailDID("a@example.com"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatal("email not released")
	}
	if err := x.Release(alice, hn, "a@example.com"); err != nil {
		t.Fatalf("releasing twice: %v", err)
	}
}

// TestSignupTransaction composes the Tx operations the way sign-up does:
// claim handle and email and use an invite in one transaction, all or
// nothing.
func TestSignupTransaction(t *testing.T) {
	db := MustServer(t)
	x := NewIndex(db)
	iv, err := NewInvites(db, InviteConfig{Hostname: "h.test", Required: true})
	if err != nil {
		t.Fatal(err)
	}
	codes, _ := iv.CreateCodes(nil, 1, 1)
	code := codes[0].Codes[0]
	alice, bob := MustDID(t, testDID), MustDID(t, otherDID)
	if err := x.Claim(bob, MustHandle(t, "taken.test"), ""); err != nil {
		t.Fatal(err)
	}
	signup := func(did atp.DID, handle string) error {
		return db.Update(func(tx *kv.ServerTx) error {
			if err := iv.UseTx(tx, code, did); err != nil {
				return err
			}
			return x.ClaimTx(tx, did, MustHandle(t, handle), handle+"@example.com")
		})
	}
	wantError(t, signup(alice, "taken.test"), ErrHandleTaken)
	if err := iv.EnsureAvailable(code); err != nil {
		t.Fatalf("the invite was used by a failed sign-up: %v", err)
	}
	if err := signup(alice, "alice.test"); err != nil {
		t.Fatal(err)
	}
	wantError(t, iv.EnsureAvailable(code), ErrInvalidInviteCode)
}
