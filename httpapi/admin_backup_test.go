package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/httpapi"
	"github.com/boltsky/boltsky/kv"
)

// admin sends an operator request with the admin password.
func (n *testNode) admin(tb testing.TB, method, path string, body []byte) response {
	tb.Helper()
	var r *bytes.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	if r == nil {
		return n.request(tb, method, path, n.adminHeader(), nil)
	}
	return n.request(tb, method, path, n.adminHeader(), r)
}

// mustBackup fetches a backup of did and checks its headers.
func (n *testNode) mustBackup(tb testing.TB, did atp.DID) []byte {
	tb.Helper()
	r := n.admin(tb, "GET", "/admin/backup?did="+did.String(), nil)
	expect(tb, r, 200, "")
	sum := sha256.Sum256(r.Body)
	if got := r.Header.Get(httpapi.BackupSHA256Header); got != hex.EncodeToString(sum[:]) {
		tb.Fatalf("backup digest header %q, body digest %x", got, sum)
	}
	if r.Header.Get(httpapi.BackupDIDHeader) != did.String() || r.Header.Get("Content-Type") != "application/octet-stream" {
		tb.Fatalf("backup headers %v", r.Header)
	}
	return r.Body
}

// inspectBytes checks an account file held in memory.
func inspectBytes(tb testing.TB, b []byte) kv.BackupInfo {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "copy.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	info, err := kv.InspectAccountFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return info
}

// tamper rewrites an account file held in memory with fn.
func tamper(tb testing.TB, b []byte, fn func(tx *kv.AccountTx) error) []byte {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tampered.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	a, err := kv.OpenAccount(path, kv.Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	if err := a.Update(fn); err != nil {
		tb.Fatal(err)
	}
	if err := a.Close(); err != nil {
		tb.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// expectNothingInstalled fails if n holds an account file for did or a
// temporary file in its accounts directory.
func expectNothingInstalled(tb testing.TB, n *testNode, did atp.DID) {
	tb.Helper()
	if _, err := os.Stat(kv.AccountPath(n.Dir, did)); err == nil {
		tb.Fatalf("an account file for %s was installed", did)
	}
	entries, _ := os.ReadDir(filepath.Join(n.Dir, "accounts"))
	for _, e := range entries {
		if !e.IsDir() {
			tb.Fatalf("left %s in the accounts directory", e.Name())
		}
	}
}

func TestAdminAccountsAndBackup(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	bob := n.mustAccount(t, "bob.test")
	n.writePosts(t, alice, 5)

	expect(t, n.request(t, "GET", "/admin/accounts", nil, nil), 401, "AuthenticationRequired")
	expect(t, n.request(t, "GET", "/admin/accounts", map[string]string{"Authorization": "Basic " + basic("admin", "wrong")}, nil), 401, "")
	expect(t, n.admin(t, "POST", "/admin/accounts", []byte("x")), 405, "")
	expect(t, n.admin(t, "GET", "/admin/restore", nil), 405, "")

	r := n.admin(t, "GET", "/admin/accounts", nil)
	expect(t, r, 200, "")
	var dids []string
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		var line httpapi.AccountListing
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if line.Handle != "" {
			t.Fatalf("listing without detail has a handle: %+v", line)
		}
		dids = append(dids, line.DID)
	}
	if len(dids) != 2 || !(strings.Compare(dids[0], dids[1]) < 0) {
		t.Fatalf("accounts %v", dids)
	}
	r = n.admin(t, "GET", "/admin/accounts?detail=true", nil)
	expect(t, r, 200, "")
	handles := map[string]httpapi.AccountListing{}
	for _, line := range bytes.Split(bytes.TrimSpace(r.Body), []byte("\n")) {
		var l httpapi.AccountListing
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatal(err)
		}
		handles[l.Handle] = l
	}
	if l := handles["alice.test"]; l.DID != alice.DID.String() || l.Status != "active" || l.Rev == "" || l.Size == 0 || l.Email != alice.Email {
		t.Fatalf("alice's listing %+v", l)
	}
	if handles["bob.test"].DID != bob.DID.String() {
		t.Fatalf("listing %+v", handles)
	}

	backup := n.mustBackup(t, alice.DID)
	info := inspectBytes(t, backup)
	head, err := n.Registry.Head(context.Background(), alice.DID)
	if err != nil {
		t.Fatal(err)
	}
	if info.DID != alice.DID || !info.HasHead || info.Head != head {
		t.Fatalf("backup holds %+v, want head %+v", info, head)
	}
	r = n.admin(t, "GET", "/admin/backup?did="+alice.DID.String(), nil)
	if r.Header.Get(httpapi.BackupRevHeader) != head.Rev.String() || r.Header.Get(httpapi.BackupCommitHeader) != head.Commit.String() {
		t.Fatalf("backup head headers %v", r.Header)
	}
	expect(t, n.admin(t, "GET", "/admin/backup?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", nil), 404, "AccountNotFound")
	expect(t, n.admin(t, "GET", "/admin/backup?did=nope", nil), 400, "InvalidRequest")
	expectNothingInstalled(t, n, atp.DID{})
}

func TestAdminRestore(t *testing.T) {
	src := mustNode(t, nodeOptions{})
	alice := src.mustAccount(t, "alice.test")
	src.writePosts(t, alice, 12)
	backup := src.mustBackup(t, alice.DID)
	info := inspectBytes(t, backup)
	digest := sha256.Sum256(backup)

	dst := mustNode(t, nodeOptions{}) // same seal key as src
	other := dst.mustAccount(t, "other.test")
	refuse := func(name string, body []byte, query string, status int, errName, words string) {
		t.Helper()
		r := dst.admin(t, "POST", "/admin/restore"+query, body)
		expect(t, r, status, errName)
		if msg, _ := r.JSON(t)["message"].(string); !strings.Contains(msg, words) {
			t.Fatalf("%s: message %q lacks %q", name, msg, words)
		}
		expectNothingInstalled(t, dst, alice.DID)
	}
	hexDigest := "?sha256=" + hex.EncodeToString(digest[:])
	refuse("truncated", backup[:len(backup)/2], hexDigest, 400, "InvalidBackup", "damaged or truncated")
	flipped := bytes.Clone(backup)
	for i := len(flipped) / 2; i < len(flipped)/2+64; i++ {
		flipped[i] ^= 0xff
	}
	refuse("flipped", flipped, hexDigest, 400, "InvalidBackup", "SHA-256")
	refuse("garbage", bytes.Repeat([]byte{0x5a}, 16384), "", 400, "InvalidBackup", "not a complete account file")
	serverDB, err := os.ReadFile(filepath.Join(src.Dir, "server.db"))
	if err != nil {
		t.Fatal(err)
	}
	refuse("server.db", serverDB, "", 400, "InvalidBackup", "not an account")
	refuse("bad digest", backup, "?sha256=abc", 400, "InvalidRequest", "sha256")
	otherSealer, err := account.NewKeySealer(bytes.Repeat([]byte{8}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign := tamper(t, backup, func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if err != nil {
			return err
		}
		if st.SigningKey, err = otherSealer.Seal(alice.Key); err != nil {
			return err
		}
		return tx.PutAccountState(st)
	})
	refuse("foreign seal key", foreign, "", 400, "InvalidBackup", "seal key")
	noState := tamper(t, backup, func(tx *kv.AccountTx) error {
		st, _ := tx.AccountState()
		st.SigningKey = nil
		return tx.PutAccountState(st)
	})
	refuse("no key", noState, "", 400, "InvalidBackup", "no signing key")
	var someRecord cid.Cid
	missingBlock := tamper(t, backup, func(tx *kv.AccountTx) error {
		return tx.ForEachRecord(func(_ string, c cid.Cid) error {
			someRecord = c
			return nil
		})
	})
	missingBlock = tamper(t, missingBlock, func(tx *kv.AccountTx) error { return tx.DeleteBlock(someRecord) })
	refuse("missing block", missingBlock, "", 400, "InvalidBackup", "repository is incomplete")
	extraRecord := tamper(t, backup, func(tx *kv.AccountTx) error {
		return tx.PutRecord("app.bsky.feed.post/3zzzzzzzzzzzz", someRecord)
	})
	refuse("record index", extraRecord, "", 400, "InvalidBackup", "record index")
	wrongHead := tamper(t, backup, func(tx *kv.AccountTx) error {
		h, _ := tx.Head()
		h.Data = someRecord
		return tx.SetHead(h)
	})
	refuse("head", wrongHead, "", 400, "InvalidBackup", "head")
	expect(t, dst.admin(t, "POST", "/admin/restore", nil), 400, "InvalidRequest")

	// Another account holds the handle here: refused until it is gone.
	taken := dst.mustAccount(t, "alice.test")
	refuse("handle taken", backup, "", 409, "HandleOrEmailTaken", "alice.test")
	if err := dst.Index.Release(taken.DID, taken.Handle, taken.Email); err != nil {
		t.Fatal(err)
	}

	hw := dst.Events.HighWater()
	r := dst.admin(t, "POST", "/admin/restore"+hexDigest, backup)
	expect(t, r, 200, "")
	var res httpapi.RestoreResult
	if err := json.Unmarshal(r.Body, &res); err != nil {
		t.Fatal(err)
	}
	if res.DID != alice.DID || res.Handle != alice.Handle || res.Rev != info.Head.Rev || res.Commit != info.Head.Commit.String() ||
		res.Records != 12 || res.Replaced || res.Status != "active" || len(res.Events) != 3 {
		t.Fatalf("restore result %+v", res)
	}
	frames := srvExpectKinds(t, dst, hw, alice.DID, "#identity", "#account", "#sync")
	if frames[len(frames)-1].body["rev"] != info.Head.Rev.String() {
		t.Fatalf("#sync %v, want rev %s", frames[len(frames)-1].body, info.Head.Rev)
	}
	lc := dst.query(t, "com.atproto.sync.getLatestCommit", "did="+alice.DID.String(), "").JSON(t)
	if lc["rev"] != info.Head.Rev.String() || lc["cid"] != info.Head.Commit.String() {
		t.Fatalf("getLatestCommit %v, want %+v", lc, info.Head)
	}
	if did, err := dst.Index.HandleDID(alice.Handle); err != nil || did != alice.DID {
		t.Fatalf("handle index: %v %v", did, err)
	}
	if did, err := dst.Index.EmailDID(alice.Email); err != nil || did != alice.DID {
		t.Fatalf("email index: %v %v", did, err)
	}
	// The account signs in with its password and writes on.
	login := dst.procedure(t, "com.atproto.server.createSession",
		map[string]string{"identifier": alice.Handle.String(), "password": alice.Password}, "")
	expect(t, login, 200, "")
	alice.Access = login.JSON(t)["accessJwt"].(string)
	dst.writePosts(t, alice, 1)

	// Restoring over a hosted account needs replace; the log is past the
	// backup's revision, so the repository is signed again.
	expect(t, dst.admin(t, "POST", "/admin/restore", backup), 409, "AlreadyExists")
	hw = dst.Events.HighWater()
	r = dst.admin(t, "POST", "/admin/restore?replace=true", backup)
	expect(t, r, 200, "")
	res = httpapi.RestoreResult{}
	json.Unmarshal(r.Body, &res)
	if !res.Replaced || res.Records != 12 || res.Rev.Compare(info.Head.Rev) <= 0 {
		t.Fatalf("replace result %+v (backup rev %s)", res, info.Head.Rev)
	}
	srvExpectKinds(t, dst, hw, alice.DID, "#identity", "#account", "#sync")
	list := dst.query(t, "com.atproto.repo.listRecords", "repo="+alice.DID.String()+"&collection=app.bsky.feed.post&limit=100", "").JSON(t)
	if recs := list["records"].([]any); len(recs) != 12 {
		t.Fatalf("%d records after replacing, want the backup's 12", len(recs))
	}
	// Replacing ends the account's sessions.
	expect(t, dst.procedure(t, "com.atproto.server.refreshSession", nil, login.JSON(t)["refreshJwt"].(string)), 400, "")
	if did, err := dst.Index.HandleDID(other.Handle); err != nil || did != other.DID {
		t.Fatalf("other account's handle: %v %v", did, err)
	}
}

func TestAdminCompact(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.writePosts(t, a, 200)
	before, err := n.Registry.Head(context.Background(), a.DID)
	if err != nil {
		t.Fatal(err)
	}
	r := n.admin(t, "POST", "/admin/compact?did="+a.DID.String(), nil)
	expect(t, r, 200, "")
	var res httpapi.CompactResult
	if err := json.Unmarshal(r.Body, &res); err != nil || res.DID != a.DID.String() || res.Before <= 0 || res.After <= 0 || res.After > res.Before {
		t.Fatalf("compact %+v %v", res, err)
	}
	after, err := n.Registry.Head(context.Background(), a.DID)
	if err != nil || after != before {
		t.Fatalf("head after compaction %+v, want %+v (%v)", after, before, err)
	}
	n.writePosts(t, a, 1)
	info := inspectBytes(t, n.mustBackup(t, a.DID))
	if info.Head.Rev.Compare(before.Rev) <= 0 {
		t.Fatalf("no write after compaction: %+v", info)
	}
	expect(t, n.admin(t, "POST", "/admin/compact?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", nil), 404, "AccountNotFound")
	expectNothingInstalled(t, n, atp.DID{})
}

func TestAdminImport(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.writePosts(t, a, 4)
	r := n.admin(t, "GET", "/xrpc/com.atproto.sync.getRepo?did="+a.DID.String(), nil)
	expect(t, r, 200, "")
	exported := r.Body
	n.writePosts(t, a, 3)
	expect(t, n.admin(t, "POST", "/admin/import?did="+a.DID.String(), []byte("not a car")), 400, "InvalidRequest")
	r = n.admin(t, "POST", "/admin/import?did="+a.DID.String(), exported)
	expect(t, r, 200, "")
	if got := r.JSON(t)["records"]; got != float64(4) {
		t.Fatalf("import answered %s", r.Body)
	}
	list := n.query(t, "com.atproto.repo.listRecords", "repo="+a.DID.String()+"&collection=app.bsky.feed.post", "").JSON(t)
	if recs := list["records"].([]any); len(recs) != 4 {
		t.Fatalf("%d records after import, want 4", len(recs))
	}
	b := n.mustAccount(t, "bob.test")
	expect(t, n.admin(t, "POST", "/admin/import?did="+b.DID.String(), exported), 400, "InvalidRequest")
	expect(t, n.admin(t, "POST", "/admin/import?did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", exported), 404, "AccountNotFound")
}

func TestAdminAccountByHandle(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	srvSetStatus(t, n, a.DID, kv.StatusTakendown)
	r := n.admin(t, "GET", "/admin/accounts?handle=alice.test", nil)
	expect(t, r, 200, "")
	var l httpapi.AccountListing
	if err := json.Unmarshal(r.Body, &l); err != nil || l.DID != a.DID.String() || l.Status != "takendown" {
		t.Fatalf("listing by handle %s: %v", r.Body, err)
	}
	expect(t, n.admin(t, "GET", "/admin/accounts?handle=nobody.test", nil), 404, "AccountNotFound")
	expect(t, n.admin(t, "GET", "/admin/accounts?handle=-", nil), 400, "InvalidRequest")
}

func TestRestoreRefusesAnotherDIDsState(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	backup := tamper(t, n.mustBackup(t, a.DID), func(tx *kv.AccountTx) error {
		st, _ := tx.AccountState()
		st.DID = b.DID
		return tx.PutAccountState(st)
	})
	_, err := n.Server.RestoreAccount(context.Background(), bytes.NewReader(backup), httpapi.RestoreOptions{Replace: true})
	if !errors.Is(err, httpapi.ErrInvalidBackup) || !strings.Contains(err.Error(), "the account state is for "+b.DID.String()) {
		t.Fatalf("RestoreAccount = %v", err)
	}
	_, err = n.Server.RestoreAccount(context.Background(), bytes.NewReader(n.mustBackup(t, a.DID)), httpapi.RestoreOptions{})
	if !errors.Is(err, httpapi.ErrAccountHosted) {
		t.Fatalf("RestoreAccount over a hosted account = %v", err)
	}
}

func TestSweepAdminTemps(t *testing.T) {
	dir := t.TempDir()
	did, _ := atp.ParseDID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	other, _ := atp.ParseDID("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb")
	path, otherPath := kv.AccountPath(dir, did), kv.AccountPath(dir, other)
	for _, p := range []string{
		filepath.Join(dir, "accounts", ".backup-1.tmp"),
		filepath.Join(dir, "accounts", ".restore-2.tmp"),
		path + ".compact.tmp",
		path + ".replaced", // set aside, never replaced: put back
		otherPath,
		otherPath + ".replaced", // replaced: removed
	} {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(filepath.Base(p)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	putBack, err := httpapi.SweepAdminTemps(dir)
	if err != nil || len(putBack) != 1 || putBack[0] != path {
		t.Fatalf("SweepAdminTemps = %v, %v", putBack, err)
	}
	if b, _ := os.ReadFile(path); string(b) != filepath.Base(path)+".replaced" {
		t.Fatalf("put back %q", b)
	}
	if b, _ := os.ReadFile(otherPath); string(b) != filepath.Base(otherPath) {
		t.Fatalf("the replacing file became %q", b)
	}
	var left []string
	filepath.WalkDir(filepath.Join(dir, "accounts"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	if len(left) != 2 {
		t.Fatalf("left %v", left)
	}
}
