package account

import (
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/kv"
)

func TestCheckStatus(t *testing.T) {
	for _, tc := range []struct {
		state kv.AccountState
		check StatusCheck
		want  error
	}{
		{kv.AccountState{}, StatusCheck{Takedown: true, Deactivated: true}, nil},
		{kv.AccountState{Status: kv.StatusTakendown}, StatusCheck{Takedown: true}, ErrAccountTakedown},
		{kv.AccountState{Status: kv.StatusSuspended}, StatusCheck{Takedown: true}, ErrAccountTakedown},
		{kv.AccountState{TakedownRef: "mod-1"}, StatusCheck{Takedown: true}, ErrAccountTakedown},
		{kv.AccountState{Status: kv.StatusTakendown}, StatusCheck{Deactivated: true}, nil},
		{kv.AccountState{Status: kv.StatusDeactivated}, StatusCheck{Deactivated: true}, ErrAccountDeactivated},
		{kv.AccountState{Status: kv.StatusDeactivated}, StatusCheck{Takedown: true}, nil},
		{kv.AccountState{Status: kv.StatusThrottled}, StatusCheck{Takedown: true, Deactivated: true}, nil},
	} {
		err := CheckStatus(tc.state, tc.check)
		if tc.want == nil && err != nil || tc.want != nil && err != tc.want {
			t.Errorf("CheckStatus(%+v, %+v) = %v, want %v", tc.state, tc.check, err, tc.want)
		}
	}
}

func TestCheckLogin(t *testing.T) {
	did := MustDID(t, testDID)
	hash, err := cheapParams.Hash("account-password")
	if err != nil {
		t.Fatal(err)
	}
	ap, appPw, err := NewAppPassword(did, "phone", true, time.Now(), cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	apps := []kv.AppPassword{ap}
	good := kv.AccountState{DID: did, PasswordHash: hash}
	taken := kv.AccountState{DID: did, PasswordHash: hash, Status: kv.StatusTakendown}

	opts, err := CheckLogin(good, apps, "account-password")
	if err != nil || opts.AppPassword != nil || opts.Takendown {
		t.Fatalf("account password: %+v, %v", opts, err)
	}
	opts, err = CheckLogin(good, apps, appPw)
	if err != nil || opts.AppPassword == nil || opts.AppPassword.Name != "phone" || opts.scope() != ScopeAppPassPrivileged {
		t.Fatalf("app password: %+v, %v", opts, err)
	}
	opts, err = CheckLogin(taken, apps, "account-password")
	if err != nil || !opts.Takendown || opts.scope() != ScopeTakendown {
		t.Fatalf("taken-down account password: %+v, %v", opts, err)
	}
	_, err = CheckLogin(taken, apps, appPw)
	wantError(t, err, ErrInvalidLogin)
	_, err = CheckLogin(good, apps, "wrong")
	wantError(t, err, ErrInvalidLogin)
	_, err = CheckLogin(kv.AccountState{DID: did}, nil, "")
	wantError(t, err, ErrInvalidLogin)
	_, err = CheckLogin(good, apps, strings.Repeat("x", 513))
	wantError(t, err, ErrLoginPasswordTooLong)
	if _, err := CheckLogin(kv.AccountState{PasswordHash: "corrupt"}, nil, "x"); err == nil || err == ErrInvalidLogin {
		t.Fatalf("corrupt hash: %v", err)
	}
}
