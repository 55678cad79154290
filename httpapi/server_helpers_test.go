package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
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

// srvFrame is a decoded firehose event.
type srvFrame struct {
	seq  uint64
	kind string
	body map[string]any
}

// srvEvents returns the events in the node's log after seq.
func srvEvents(tb testing.TB, n *testNode, after uint64) []srvFrame {
	tb.Helper()
	var out []srvFrame
	for {
		evs, err := n.Events.Read(after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			r := dagcbor.NewReader(ev.Frame)
			if err := r.Skip(); err != nil {
				tb.Fatalf("frame header: %v", err)
			}
			hdr, err := dagcbor.Unmarshal(ev.Frame[:r.Offset()])
			if err != nil {
				tb.Fatal(err)
			}
			body, err := dagcbor.Unmarshal(ev.Frame[r.Offset():])
			if err != nil {
				tb.Fatal(err)
			}
			kind, _ := hdr.(map[string]any)["t"].(string)
			out = append(out, srvFrame{seq: ev.Seq, kind: kind, body: body.(map[string]any)})
			after = ev.Seq
		}
	}
}

// srvHighWater is the seq of the latest event.
func srvHighWater(n *testNode) uint64 { return n.Events.HighWater() }

// srvKinds lists the kinds of the events of did, in order.
func srvKinds(frames []srvFrame, did atp.DID) []string {
	var out []string
	for _, f := range frames {
		if f.body["did"] == did.String() || f.body["repo"] == did.String() {
			out = append(out, f.kind)
		}
	}
	return out
}

// srvExpectKinds fails unless did's events after seq are exactly kinds.
func srvExpectKinds(tb testing.TB, n *testNode, after uint64, did atp.DID, kinds ...string) []srvFrame {
	tb.Helper()
	frames := srvEvents(tb, n, after)
	if got := srvKinds(frames, did); !slices.Equal(got, kinds) {
		tb.Fatalf("events of %s: %v, want %v", did, got, kinds)
	}
	return frames
}

// srvSignup creates an account over HTTP and returns the response body.
func srvSignup(tb testing.TB, n *testNode, body map[string]any) map[string]any {
	tb.Helper()
	r := n.procedure(tb, "com.atproto.server.createAccount", body, "")
	expect(tb, r, 200, "")
	return r.JSON(tb)
}

// srvUser is an account made through createAccount.
type srvUser struct {
	DID      atp.DID
	Handle   string
	Email    string
	Password string
	Access   string
	Refresh  string
}

func srvNewUser(tb testing.TB, n *testNode, handle string) *srvUser {
	tb.Helper()
	email := strings.ReplaceAll(handle, ".", "-") + "@mail.example"
	password := "pw-" + handle
	out := srvSignup(tb, n, map[string]any{"handle": handle, "email": email, "password": password})
	did, err := atp.ParseDID(out["did"].(string))
	if err != nil {
		tb.Fatal(err)
	}
	return &srvUser{DID: did, Handle: handle, Email: email, Password: password,
		Access: out["accessJwt"].(string), Refresh: out["refreshJwt"].(string)}
}

// srvLogin signs in and returns the createSession body.
func srvLogin(tb testing.TB, n *testNode, identifier, password string) map[string]any {
	tb.Helper()
	r := n.procedure(tb, "com.atproto.server.createSession", map[string]any{"identifier": identifier, "password": password}, "")
	expect(tb, r, 200, "")
	return r.JSON(tb)
}

// srvClaims decodes a JWT's payload without verifying it.
func srvClaims(tb testing.TB, token string) map[string]any {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

var srvTokenRE = regexp.MustCompile(`\b[A-Z2-7]{5}-[A-Z2-7]{5}\b`)

// srvMailedToken returns the code in the latest message to address.
func srvMailedToken(tb testing.TB, n *testNode, to string) string {
	tb.Helper()
	msgs, err := account.ReadOutbox(n.MailPath)
	if err != nil {
		tb.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == to {
			tok := srvTokenRE.FindString(msgs[i].Text)
			if tok == "" {
				tb.Fatalf("no token in mail: %q", msgs[i].Text)
			}
			return tok
		}
	}
	tb.Fatalf("no mail to %s", to)
	return ""
}

// srvMailCount is how many messages went to address.
func srvMailCount(tb testing.TB, n *testNode, to string) int {
	tb.Helper()
	msgs, err := account.ReadOutbox(n.MailPath)
	if err != nil {
		tb.Fatal(err)
	}
	count := 0
	for _, m := range msgs {
		if m.To == to {
			count++
		}
	}
	return count
}

// srvSetStatus changes an account's hosting status behind the API, as a
// moderator's takedown would.
func srvSetStatus(tb testing.TB, n *testNode, did atp.DID, status kv.Status) {
	tb.Helper()
	err := n.Registry.UpdateState(context.Background(), did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.Status = status
		if status == kv.StatusTakendown {
			st.TakedownRef = "test"
		} else {
			st.TakedownRef = ""
		}
		return nil, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// srvState reads an account's stored state.
func srvState(tb testing.TB, n *testNode, did atp.DID) kv.AccountState {
	tb.Helper()
	var st kv.AccountState
	err := n.Registry.View(context.Background(), did, func(tx *kv.AccountTx) error {
		var err error
		st, err = tx.AccountState()
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// srvOldIdentity is a did:plc hosted elsewhere, whose keys the test
// holds: the starting point of a migration.
type srvOldIdentity struct {
	DID      atp.DID
	Rotation *crypto.PrivateKey
	Signing  *crypto.PrivateKey
	Last     identity.Operation
}

func srvNewOldIdentity(tb testing.TB, n *testNode, handle string) *srvOldIdentity {
	tb.Helper()
	rot, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	sig, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	h, _ := atp.ParseHandle(handle)
	op, err := identity.GenesisOp(sig.Public(), []string{rot.Public().DIDKey()}, h, "https://old-pds.example")
	if err != nil {
		tb.Fatal(err)
	}
	if op, err = identity.Sign(op, rot); err != nil {
		tb.Fatal(err)
	}
	did, err := identity.DIDForGenesis(op)
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.PLCClient.Submit(context.Background(), did, op); err != nil {
		tb.Fatal(err)
	}
	return &srvOldIdentity{DID: did, Rotation: rot, Signing: sig, Last: op}
}

// srvMint signs a service token as the old identity.
func (o *srvOldIdentity) srvMint(tb testing.TB, aud, lxm string) string {
	tb.Helper()
	sa, err := account.NewServiceAuth(account.ServiceAuthConfig{ServiceDID: o.DID, Resolver: srvNoKeys{}})
	if err != nil {
		tb.Fatal(err)
	}
	p := account.ServiceJWTParams{Iss: o.DID, Aud: aud, Exp: time.Now().Add(time.Minute)}
	if lxm != "" {
		if p.Lxm, err = atp.ParseNSID(lxm); err != nil {
			tb.Fatal(err)
		}
	}
	tok, err := sa.Mint(o.Signing, p)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// srvMoveTo points the old identity at the node, with signingKey as its
// repository key.
func (o *srvOldIdentity) srvMoveTo(tb testing.TB, n *testNode, signingKey string) {
	tb.Helper()
	key, err := crypto.ParseDIDKey(signingKey)
	if err != nil {
		tb.Fatal(err)
	}
	op, err := identity.UpdateOp(o.Last, identity.OpChanges{
		RotationKeys: []string{o.Rotation.Public().DIDKey(), n.RotationKey.Public().DIDKey()},
		SigningKey:   key, PDSEndpoint: n.URL,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if op, err = identity.Sign(op, o.Rotation); err != nil {
		tb.Fatal(err)
	}
	if err := n.PLCClient.Submit(context.Background(), o.DID, op); err != nil {
		tb.Fatal(err)
	}
	o.Last = op
}

type srvNoKeys struct{}

func (srvNoKeys) SigningKey(context.Context, atp.DID, bool) (*crypto.PublicKey, error) {
	return nil, identity.ErrDIDNotFound
}

// srvVerifier verifies service tokens addressed to aud against the node's
// PLC directory.
func srvVerifier(tb testing.TB, n *testNode, aud string) *account.ServiceAuth {
	tb.Helper()
	did, err := atp.ParseDID(aud)
	if err != nil {
		tb.Fatal(err)
	}
	dir := &identity.Directory{Resolver: identity.Resolver{PLC: n.PLCClient, HTTP: &http.Client{Timeout: 5 * time.Second}}}
	sa, err := account.NewServiceAuth(account.ServiceAuthConfig{ServiceDID: did, Resolver: keyResolver{dir}})
	if err != nil {
		tb.Fatal(err)
	}
	return sa
}

// srvNewKey makes a K-256 key.
func srvNewKey(tb testing.TB) *crypto.PrivateKey {
	tb.Helper()
	k, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// srvRepointPLC makes key the atproto key of a did:plc this node created,
// with an operation signed by the node's rotation key.
func srvRepointPLC(tb testing.TB, n *testNode, did atp.DID, key *crypto.PublicKey) {
	tb.Helper()
	ctx := context.Background()
	last, err := n.PLCClient.LastOp(ctx, did)
	if err != nil {
		tb.Fatal(err)
	}
	op, err := identity.UpdateOp(last, identity.OpChanges{SigningKey: key})
	if err != nil {
		tb.Fatal(err)
	}
	if op, err = identity.Sign(op, n.RotationKey); err != nil {
		tb.Fatal(err)
	}
	if err := n.PLCClient.Submit(ctx, did, op); err != nil {
		tb.Fatal(err)
	}
}
