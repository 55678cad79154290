package httpapi_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// identTokenPattern matches an emailed token.
var identTokenPattern = regexp.MustCompile(`\b[A-Z2-7]{5}-[A-Z2-7]{5}\b`)

// identMailToken returns the token of the last email sent to addr by n.
func identMailToken(tb testing.TB, n *testNode, addr string) string {
	tb.Helper()
	mails, err := account.ReadOutbox(n.MailPath)
	if err != nil {
		tb.Fatal(err)
	}
	for i := len(mails) - 1; i >= 0; i-- {
		if mails[i].To != addr {
			continue
		}
		tok := identTokenPattern.FindString(mails[i].Text)
		if tok == "" {
			tb.Fatalf("email to %s has no token: %q", addr, mails[i].Text)
		}
		return tok
	}
	tb.Fatalf("no email to %s in %d messages", addr, len(mails))
	return ""
}

// identFrame is a decoded firehose frame.
type identFrame struct {
	Type string
	Body map[string]any
}

// identFrames decodes every event in n's event log.
func identFrames(tb testing.TB, n *testNode) []identFrame {
	tb.Helper()
	evs, err := n.Events.Read(0, 10_000)
	if err != nil {
		tb.Fatal(err)
	}
	var out []identFrame
	for _, ev := range evs {
		r := dagcbor.NewReader(ev.Frame)
		if err := r.Skip(); err != nil {
			tb.Fatalf("seq %d: header: %v", ev.Seq, err)
		}
		head, err := dagcbor.Unmarshal(ev.Frame[:r.Offset()])
		if err != nil {
			tb.Fatalf("seq %d: header: %v", ev.Seq, err)
		}
		body, err := dagcbor.Unmarshal(ev.Frame[r.Offset():])
		if err != nil {
			tb.Fatalf("seq %d: body: %v", ev.Seq, err)
		}
		t, _ := head.(map[string]any)["t"].(string)
		b, _ := body.(map[string]any)
		out = append(out, identFrame{Type: t, Body: b})
	}
	return out
}

// identWaitIdentity waits until n's event log holds an #identity event for
// did with the given handle ("" for any) and returns how many #identity
// events did has.
func identWaitIdentity(tb testing.TB, n *testNode, did atp.DID, handle string) int {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		count, found := 0, false
		for _, f := range identFrames(tb, n) {
			if f.Type != "#identity" || f.Body["did"] != did.String() {
				continue
			}
			count++
			if h, _ := f.Body["handle"].(string); handle == "" || h == handle {
				found = true
			}
		}
		if found {
			return count
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no #identity event for %s with handle %q", did, handle)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// identIdentityCount counts the #identity events of did in n's log.
func identIdentityCount(tb testing.TB, n *testNode, did atp.DID) int {
	tb.Helper()
	count := 0
	for _, f := range identFrames(tb, n) {
		if f.Type == "#identity" && f.Body["did"] == did.String() {
			count++
		}
	}
	return count
}

// identLastOp returns the last operation the fake PLC directory of n holds
// for did.
func identLastOp(tb testing.TB, n *testNode, did atp.DID) identity.Operation {
	tb.Helper()
	log := n.PLC.AuditLog(did)
	if len(log) == 0 {
		tb.Fatalf("no PLC log for %s", did)
	}
	return log[len(log)-1].Operation
}

// identSubmitPLC signs an update of did's last operation at n's PLC
// directory with key and submits it, the way a user holding a rotation
// key (or a test standing in for another server) changes the identity
// behind this server's back.
func identSubmitPLC(tb testing.TB, n *testNode, did atp.DID, key *crypto.PrivateKey, ch identity.OpChanges) {
	tb.Helper()
	op, err := identity.UpdateOp(identLastOp(tb, n, did), ch)
	if err != nil {
		tb.Fatal(err)
	}
	if op, err = identity.Sign(op, key); err != nil {
		tb.Fatal(err)
	}
	if err := n.PLCClient.Submit(context.Background(), did, op); err != nil {
		tb.Fatal(err)
	}
}

// identCopyPLC replays did's PLC log from one node's directory into
// another's, so that two nodes, each with its own fake directory, see the
// same identity, as they would sharing one directory.
func identCopyPLC(tb testing.TB, from, to *testNode, did atp.DID) {
	tb.Helper()
	for _, e := range from.PLC.AuditLog(did) {
		if e.Nullified {
			continue
		}
		if err := to.PLCClient.Submit(context.Background(), did, e.Operation); err != nil {
			tb.Fatal(err)
		}
	}
}

// identIncomingAccount creates, on n, the account of an existing DID
// arriving from another server, as createAccount with service auth does
// during a migration: a fresh signing key, the handle and email claimed
// in n's index, a deactivated state, no events, and a full session.
func identIncomingAccount(tb testing.TB, n *testNode, did atp.DID, handle, email string) *testAccount {
	tb.Helper()
	h, err := atp.ParseHandle(handle)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	sealed, err := n.Sealer.Seal(key)
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.Index.Claim(did, h, email); err != nil {
		tb.Fatal(err)
	}
	_, err = n.Registry.Create(context.Background(), actor.NewAccount{
		State: kv.AccountState{DID: did, Handle: h, Email: email, SigningKey: sealed,
			Status: kv.StatusDeactivated, DeactivatedAt: time.Now().UTC(), CreatedAt: time.Now().UTC()},
		Key: key,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tokens, err := n.Sessions.Create(did, account.SessionOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return &testAccount{DID: did, Handle: h, Email: email, Key: key, Access: tokens.AccessJWT, Refresh: tokens.RefreshJWT}
}

// identSetState changes an account's stored state directly.
func identSetState(tb testing.TB, n *testNode, did atp.DID, fn func(st *kv.AccountState)) {
	tb.Helper()
	err := n.Registry.UpdateState(context.Background(), did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		fn(st)
		return nil, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// identAppPasswordSession opens a session of a as if signed in with an
// ordinary app password.
func identAppPasswordSession(tb testing.TB, n *testNode, a *testAccount) string {
	tb.Helper()
	tokens, err := n.Sessions.Create(a.DID, account.SessionOptions{
		AppPassword: &kv.AppPassword{Name: "test", CreatedAt: time.Now().UTC()}})
	if err != nil {
		tb.Fatal(err)
	}
	return tokens.AccessJWT
}

// identMessage returns the message of an error response.
func identMessage(tb testing.TB, r response) string {
	tb.Helper()
	m, _ := r.JSON(tb)["message"].(string)
	return m
}

// identExpectError fails unless r is the error status/name with a message
// containing msg.
func identExpectError(tb testing.TB, r response, status int, name, msg string) {
	tb.Helper()
	expect(tb, r, status, name)
	if got := identMessage(tb, r); !strings.Contains(got, msg) {
		tb.Fatalf("message %q, want it to contain %q", got, msg)
	}
}
