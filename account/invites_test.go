package account

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func newTestInvites(tb testing.TB, cfg InviteConfig) (*Invites, *fakeClock, *kv.Server) {
	tb.Helper()
	clock := newFakeClock()
	if cfg.Hostname == "" {
		cfg.Hostname = "pds.example.com"
	}
	cfg.Now = clock.Now
	db := MustServer(tb)
	iv, err := NewInvites(db, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return iv, clock, db
}

var inviteCodeRE = regexp.MustCompile(`^pds-example-com-[a-z2-7]{5}-[a-z2-7]{5}$`)

func TestCreateInviteCodes(t *testing.T) {
	iv, clock, _ := newTestInvites(t, InviteConfig{Required: true})
	alice := testDID
	got, err := iv.CreateCodes([]string{alice, otherDID}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Account != alice || len(got[0].Codes) != 3 || len(got[1].Codes) != 3 {
		t.Fatalf("created %+v", got)
	}
	for _, ac := range got {
		for _, code := range ac.Codes {
			if !inviteCodeRE.MatchString(code) {
				t.Errorf("code %q does not match %s", code, inviteCodeRE)
			}
			ic, err := iv.Get(code)
			if err != nil {
				t.Fatal(err)
			}
			if ic.Available != 2 || ic.Disabled || ic.ForAccount != ac.Account || ic.CreatedBy != AdminAccount ||
				!ic.CreatedAt.Equal(clock.Now()) || ic.Uses == nil || len(ic.Uses) != 0 {
				t.Errorf("code %+v", ic)
			}
		}
	}
	admin, err := iv.CreateCodes(nil, 1, 1)
	if err != nil || len(admin) != 1 || admin[0].Account != AdminAccount {
		t.Fatalf("admin codes %+v, %v", admin, err)
	}
	if _, err := iv.CreateCodes(nil, 0, 1); err == nil {
		t.Error("zero codes accepted")
	}
	if _, err := iv.CreateCodes([]string{"bad\x00account"}, 1, 1); err == nil {
		t.Error("control character in forAccount accepted")
	}
	all, err := iv.List("", 100)
	if err != nil || len(all) != 7 {
		t.Fatalf("List: %d codes, %v", len(all), err)
	}
	page, err := iv.List(all[2].Code, 2)
	if err != nil || len(page) != 2 || page[0].Code != all[3].Code {
		t.Fatalf("List after: %+v, %v", page, err)
	}
}

// TestInviteUseConcurrent has many goroutines race to sign up with one
// five-use code: exactly five win.
func TestInviteUseConcurrent(t *testing.T) {
	iv, _, _ := newTestInvites(t, InviteConfig{Required: true})
	codes, err := iv.CreateCodes(nil, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	code := codes[0].Codes[0]
	const racers = 40
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			did, err := atp.ParseDID(fmt.Sprintf("did:plc:racer%02d", i))
			if err != nil {
				t.Error(err)
				return
			}
			<-start
			switch err := iv.Use(code, did); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrInvalidInviteCode):
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != 5 || refused.Load() != racers-5 {
		t.Fatalf("%d uses succeeded and %d were refused; want 5 and %d", ok.Load(), refused.Load(), racers-5)
	}
	ic, err := iv.Get(code)
	if err != nil {
		t.Fatal(err)
	}
	if len(ic.Uses) != 5 {
		t.Fatalf("%d uses recorded", len(ic.Uses))
	}
	wantError(t, iv.EnsureAvailable(code), ErrInvalidInviteCode)
}

func TestInviteUseRules(t *testing.T) {
	iv, clock, db := newTestInvites(t, InviteConfig{Required: true})
	alice, bob := MustDID(t, testDID), MustDID(t, otherDID)
	codes, _ := iv.CreateCodes([]string{testDID}, 2, 1)
	c1, c2 := codes[0].Codes[0], codes[0].Codes[1]

	wantError(t, iv.Use("", alice), ErrInviteCodeRequired)
	for _, bad := range []string{"nope", "\x00a\x00" + testDID + "\x00" + c1, "\x00d\x00" + testDID} {
		wantError(t, iv.Use(bad, alice), ErrInvalidInviteCode)
		wantError(t, iv.EnsureAvailable(bad), ErrInvalidInviteCode)
	}
	if err := iv.EnsureAvailable(c1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := iv.Use(c1, bob); err != nil {
		t.Fatal(err)
	}
	// A retry by the same account does not take a second use.
	if err := iv.Use(c1, bob); err != nil {
		t.Fatalf("retry: %v", err)
	}
	wantError(t, iv.Use(c1, alice), ErrInvalidInviteCode)
	ic, _ := iv.Get(c1)
	if len(ic.Uses) != 1 || ic.Uses[0].UsedBy != bob || !ic.Uses[0].UsedAt.Equal(clock.Now()) {
		t.Fatalf("uses %+v", ic.Uses)
	}

	if err := iv.Disable([]string{c2, "unknown"}, nil); err != nil {
		t.Fatal(err)
	}
	wantError(t, iv.Use(c2, bob), ErrInvalidInviteCode)

	// UseTx rolls back with the caller's transaction.
	more, _ := iv.CreateCodes(nil, 1, 1)
	c3 := more[0].Codes[0]
	sentinel := errors.New("later step failed")
	err := db.Update(func(tx *kv.ServerTx) error {
		if err := iv.UseTx(tx, c3, alice); err != nil {
			return err
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatal(err)
	}
	if err := iv.EnsureAvailable(c3); err != nil {
		t.Fatalf("use survived a rolled-back transaction: %v", err)
	}
}

// TestInvitesNotRequired: without a code there is nothing to use; a code
// given anyway is checked and used, as the reference uses it.
func TestInvitesNotRequired(t *testing.T) {
	iv, _, _ := newTestInvites(t, InviteConfig{})
	if iv.Required() {
		t.Fatal("required by default")
	}
	alice := MustDID(t, testDID)
	if err := iv.Use("", alice); err != nil {
		t.Fatal(err)
	}
	wantError(t, iv.Use("whatever", alice), ErrInvalidInviteCode)
	codes, _ := iv.CreateCodes(nil, 1, 1)
	code := codes[0].Codes[0]
	if err := iv.Use(code, alice); err != nil {
		t.Fatal(err)
	}
	ic, _ := iv.Get(code)
	if len(ic.Uses) != 1 || ic.Uses[0].UsedBy != alice {
		t.Fatalf("uses %+v", ic.Uses)
	}
	wantError(t, iv.Use(code, MustDID(t, otherDID)), ErrInvalidInviteCode)
}

func TestDisableAccountCodes(t *testing.T) {
	iv, _, _ := newTestInvites(t, InviteConfig{Required: true})
	codes, _ := iv.CreateCodes([]string{testDID, otherDID}, 2, 1)
	if err := iv.Disable(nil, []string{testDID}); err != nil {
		t.Fatal(err)
	}
	for _, code := range codes[0].Codes {
		wantError(t, iv.EnsureAvailable(code), ErrInvalidInviteCode)
	}
	for _, code := range codes[1].Codes {
		if err := iv.EnsureAvailable(code); err != nil {
			t.Errorf("another account's code disabled: %v", err)
		}
	}
	// The account's own list leaves them out; the admin's keeps them.
	did := MustDID(t, testDID)
	if got, err := iv.AccountCodes(did, time.Time{}, AccountCodesOptions{IncludeUsed: true}); err != nil || len(got) != 0 {
		t.Fatalf("AccountCodes: %d codes, %v", len(got), err)
	}
	got, err := iv.AccountCodes(did, time.Time{}, AccountCodesOptions{IncludeUsed: true, IncludeDisabled: true})
	if err != nil || len(got) != 2 || !got[0].Disabled {
		t.Fatalf("AccountCodes with disabled ones: %+v, %v", got, err)
	}
}

func TestAccountCodesEarned(t *testing.T) {
	week := 7 * 24 * time.Hour
	iv, clock, _ := newTestInvites(t, InviteConfig{Required: true, Interval: week})
	did := MustDID(t, testDID)
	createdAt := clock.Now()
	opts := AccountCodesOptions{IncludeUsed: true, CreateAvailable: true}

	codes, err := iv.AccountCodes(did, createdAt, opts)
	if err != nil || len(codes) != 0 {
		t.Fatalf("a new account earned %d codes, %v", len(codes), err)
	}
	clock.Advance(3*week + time.Hour)
	codes, err = iv.AccountCodes(did, createdAt, opts)
	if err != nil || len(codes) != 3 {
		t.Fatalf("after three weeks: %d codes, %v", len(codes), err)
	}
	for _, c := range codes {
		if c.Available != 1 || c.CreatedBy != did.String() || c.ForAccount != did.String() || !inviteCodeRE.MatchString(c.Code) {
			t.Errorf("earned code %+v", c)
		}
	}
	// Asking again creates nothing more.
	again, _ := iv.AccountCodes(did, createdAt, opts)
	if len(again) != 3 {
		t.Fatalf("asking again: %d codes", len(again))
	}
	// Admin gifts are listed but do not count against earning.
	if _, err := iv.CreateCodes([]string{did.String()}, 1, 4); err != nil {
		t.Fatal(err)
	}
	// Never more than five open at once.
	clock.Advance(20 * week)
	codes, _ = iv.AccountCodes(did, createdAt, opts)
	if len(codes) != MaxOpenAccountCodes+1 {
		t.Fatalf("open codes %d, want %d plus the gift", len(codes), MaxOpenAccountCodes)
	}
	// Using one makes room for one more, and hides it unless IncludeUsed.
	earned := ""
	for _, c := range codes {
		if c.CreatedBy != AdminAccount {
			earned = c.Code
		}
	}
	if err := iv.Use(earned, MustDID(t, otherDID)); err != nil {
		t.Fatal(err)
	}
	codes, _ = iv.AccountCodes(did, createdAt, opts)
	if len(codes) != MaxOpenAccountCodes+2 {
		t.Fatalf("after a use: %d codes", len(codes))
	}
	unused, _ := iv.AccountCodes(did, createdAt, AccountCodesOptions{})
	if len(unused) != MaxOpenAccountCodes+1 {
		t.Fatalf("without used ones: %d codes", len(unused))
	}

	// An account with invites disabled earns disabled codes, which are not
	// listed.
	other := MustDID(t, "did:plc:disabledaccount")
	if err := iv.SetAccountDisabled(other, true); err != nil {
		t.Fatal(err)
	}
	if d, err := iv.AccountDisabled(other); err != nil || !d {
		t.Fatalf("AccountDisabled = %v, %v", d, err)
	}
	codes, _ = iv.AccountCodes(other, createdAt, opts)
	if len(codes) != 0 {
		t.Fatalf("disabled account lists %d codes", len(codes))
	}
	if err := iv.SetAccountDisabled(other, false); err != nil {
		t.Fatal(err)
	}
	if d, _ := iv.AccountDisabled(other); d {
		t.Fatal("still disabled")
	}
}

func TestAccountCodesEpoch(t *testing.T) {
	day := 24 * time.Hour
	clock := newFakeClock()
	createdAt := clock.Now()
	iv, err := NewInvites(MustServer(t), InviteConfig{Hostname: "h.test", Required: true, Interval: day,
		Epoch: createdAt.Add(10*day + time.Hour), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(13 * day)
	// 13 intervals of life, 10 of them before the epoch: 3 earned.
	codes, err := iv.AccountCodes(MustDID(t, testDID), createdAt, AccountCodesOptions{CreateAvailable: true})
	if err != nil || len(codes) != 3 {
		t.Fatalf("%d codes, %v", len(codes), err)
	}
	// Without CreateAvailable, or without Interval, nothing is created.
	iv2, _, _ := newTestInvites(t, InviteConfig{Required: true})
	codes, _ = iv2.AccountCodes(MustDID(t, testDID), createdAt.Add(-100*day), AccountCodesOptions{CreateAvailable: true})
	if len(codes) != 0 {
		t.Fatalf("no interval: %d codes", len(codes))
	}
}

func TestInviteConfig(t *testing.T) {
	if _, err := NewInvites(MustServer(t), InviteConfig{}); err == nil {
		t.Error("no hostname accepted")
	}
	if _, err := NewInvites(MustServer(t), InviteConfig{Hostname: "x", Interval: -1}); err == nil {
		t.Error("negative interval accepted")
	}
}
