package httpapi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func TestServerDeactivateActivate(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "dora.test")
	before := srvHighWater(n)
	r := n.procedure(t, "com.atproto.server.deactivateAccount", map[string]any{"deleteAfter": "2030-01-02T03:04:05.000Z"}, u.Access)
	expect(t, r, 200, "")
	frames := srvExpectKinds(t, n, before, u.DID, "#account")
	if frames[0].body["active"] != false || frames[0].body["status"] != "deactivated" {
		t.Fatalf("#account: %v", frames[0].body)
	}
	st := srvState(t, n, u.DID)
	if st.Status != kv.StatusDeactivated || st.DeactivatedAt.IsZero() ||
		!st.DeleteAfter.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("state %+v", st)
	}
	// Writes are refused while deactivated; sessions still work and say
	// so.
	if _, err := n.Registry.Write(t.Context(), u.DID, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: srvPostColl, Record: srvPost(t)}}}); !errors.Is(err, actor.ErrInactive) {
		t.Fatalf("write while deactivated: %v", err)
	}
	out := srvLogin(t, n, "dora.test", u.Password)
	if out["active"] != false || out["status"] != "deactivated" {
		t.Fatalf("createSession: %v", out)
	}
	s := n.query(t, "com.atproto.server.getSession", "", u.Access).JSON(t)
	if s["active"] != false || s["status"] != "deactivated" {
		t.Fatalf("getSession: %v", s)
	}
	cs := n.query(t, "com.atproto.server.checkAccountStatus", "", u.Access).JSON(t)
	if cs["activated"] != false || cs["validDid"] != true {
		t.Fatalf("checkAccountStatus: %v", cs)
	}
	// A deactivated account has no invite codes to show.
	expect(t, n.query(t, "com.atproto.server.getAccountInviteCodes", "", u.Access), 400, "NotFound")

	before = srvHighWater(n)
	expect(t, n.procedure(t, "com.atproto.server.activateAccount", nil, u.Access), 200, "")
	frames = srvExpectKinds(t, n, before, u.DID, "#account", "#identity", "#sync")
	if frames[0].body["active"] != true || frames[0].body["status"] != nil || frames[1].body["handle"] != "dora.test" {
		t.Fatalf("activation events: %v %v", frames[0].body, frames[1].body)
	}
	head, err := n.Registry.Head(t.Context(), u.DID)
	if err != nil {
		t.Fatal(err)
	}
	if frames[2].body["rev"] != head.Rev.String() {
		t.Fatalf("#sync rev %v, head %s", frames[2].body["rev"], head.Rev)
	}
	if st := srvState(t, n, u.DID); st.Status != kv.StatusActive || !st.DeactivatedAt.IsZero() || !st.DeleteAfter.IsZero() {
		t.Fatalf("state after activation %+v", st)
	}
	if _, err := n.Registry.Write(t.Context(), u.DID, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: srvPostColl, Record: srvPost(t)}}}); err != nil {
		t.Fatalf("write after activation: %v", err)
	}
	cs = n.query(t, "com.atproto.server.checkAccountStatus", "", u.Access).JSON(t)
	if cs["activated"] != true || cs["indexedRecords"] != float64(1) || cs["repoCommit"] == "" {
		t.Fatalf("checkAccountStatus: %v", cs)
	}
	if _, err := atp.ParseTID(cs["repoRev"].(string)); err != nil {
		t.Fatalf("repoRev %v", cs["repoRev"])
	}
}

func TestServerActivateNeedsIdentity(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "ivan.test")
	expect(t, n.procedure(t, "com.atproto.server.deactivateAccount", map[string]any{}, u.Access), 200, "")
	// Rotate the account's key behind the server's back: the document no
	// longer names the key this server holds.
	old := srvState(t, n, u.DID)
	err := n.Registry.UpdateState(t.Context(), u.DID, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		k := srvNewKey(t)
		sealed, err := n.Sealer.Seal(k)
		if err != nil {
			return nil, err
		}
		st.SigningKey = sealed
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := n.procedure(t, "com.atproto.server.activateAccount", nil, u.Access)
	expect(t, r, 400, "InvalidRequest")
	if !strings.Contains(r.JSON(t)["message"].(string), "signing key") {
		t.Fatalf("activate: %s", r.Body)
	}
	if cs := n.query(t, "com.atproto.server.checkAccountStatus", "", u.Access).JSON(t); cs["validDid"] != false {
		t.Fatalf("checkAccountStatus: %v", cs)
	}
	// Put the key back, and activation works.
	err = n.Registry.UpdateState(t.Context(), u.DID, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.SigningKey = old.SigningKey
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, n.procedure(t, "com.atproto.server.activateAccount", nil, u.Access), 200, "")
}

func TestServerActivateResigns(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "rex.test")
	expect(t, n.procedure(t, "com.atproto.server.deactivateAccount", map[string]any{}, u.Access), 200, "")
	// Give the account a new key and point the identity at it, as a
	// migration does: the head commit, signed with the old key, is
	// signed again on activation.
	k := srvNewKey(t)
	err := n.Registry.UpdateState(t.Context(), u.DID, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		sealed, err := n.Sealer.Seal(k)
		st.SigningKey = sealed
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	srvRepointPLC(t, n, u.DID, k.Public())
	headBefore, _ := n.Registry.Head(t.Context(), u.DID)
	before := srvHighWater(n)
	expect(t, n.procedure(t, "com.atproto.server.activateAccount", nil, u.Access), 200, "")
	frames := srvExpectKinds(t, n, before, u.DID, "#account", "#identity", "#sync")
	headAfter, _ := n.Registry.Head(t.Context(), u.DID)
	if headAfter.Rev.String() <= headBefore.Rev.String() || frames[2].body["rev"] != headAfter.Rev.String() {
		t.Fatalf("head %s -> %s, #sync rev %v", headBefore.Rev, headAfter.Rev, frames[2].body["rev"])
	}
}
