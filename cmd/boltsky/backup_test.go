package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// TestBackupUnderLoad is the acceptance test of backups: while 16
// writers post, `boltsky backup --all` copies 20 accounts; each backup is
// restored into a fresh node that has the source's secrets; every
// restored repository verifies and holds exactly the records written up
// to the backup's revision; the restored node serves them and emits
// #identity, #account and #sync for each; damaged and truncated backups
// are refused with a clear message and nothing installed.
func TestBackupUnderLoad(t *testing.T) {
	const accounts, writers = 20, 16
	ctx := context.Background()
	src := MustStartNode(t, t.TempDir(), nil)
	users := make([]testUser, accounts)
	handles := map[atp.DID]string{}
	for i := range users {
		users[i] = src.MustUser(t, fmt.Sprintf("user%02d.test", i))
		handles[users[i].DID] = users[i].Handle
	}

	type write struct {
		did atp.DID
		writeResult
	}
	var (
		mu     sync.Mutex
		writes []write
		total  atomic.Int64
		wg     sync.WaitGroup
	)
	stop := make(chan struct{})
	errc := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for j := range 3000 { // bounded, stopped much earlier
				select {
				case <-stop:
					return
				default:
				}
				u := users[(w*7+j)%accounts]
				res, err := src.post(ctx, u, fmt.Sprintf("writer %d post %d", w, j))
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				writes = append(writes, write{u.DID, res})
				mu.Unlock()
				total.Add(1)
			}
		})
	}
	for deadline := time.Now().Add(time.Minute); total.Load() < 10*accounts && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	backups := filepath.Join(t.TempDir(), "backups")
	before := total.Load()
	out := mustRun(t, append([]string{"backup", "--all", "--out", backups}, src.server()...)...)
	during := total.Load() - before
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if !strings.Contains(out, fmt.Sprintf("backed up %d of %d accounts", accounts, accounts)) {
		t.Fatalf("backup printed:\n%s", out)
	}

	files, _ := filepath.Glob(filepath.Join(backups, "*.db"))
	if len(files) != accounts {
		t.Fatalf("%d backup files, want %d", len(files), accounts)
	}
	heads := map[atp.DID]kv.BackupInfo{}
	for _, f := range files {
		info, err := kv.InspectAccountFile(f)
		if err != nil || !info.HasHead {
			t.Fatalf("%s: %+v %v", f, info, err)
		}
		if filepath.Base(f) != info.DID.String()+".db" {
			t.Fatalf("%s holds %s", f, info.DID)
		}
		heads[info.DID] = info
	}
	later := 0
	for _, w := range writes {
		if w.Rev > heads[w.did].Head.Rev.String() {
			later++
		}
	}
	t.Logf("%d writes in all, %d while the backups ran, %d after an account's backup", len(writes), during, later)
	if later == 0 {
		t.Fatal("no account was written after its backup: the backups were not taken under load")
	}

	// A fresh node with the source's secrets.
	dstDir := t.TempDir()
	secrets, err := os.ReadFile(filepath.Join(src.Dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dstDir, "secrets.json"), secrets, 0o600)
	dst := MustStartNode(t, dstDir, nil)

	// Damaged backups: refused before they reach the node, and by the
	// node itself when sent around the command; nothing is installed.
	damaged := t.TempDir()
	raw, _ := os.ReadFile(files[0])
	sum, _ := os.ReadFile(files[0] + sumSuffix)
	flipped := bytes.Clone(raw)
	for i := len(flipped) / 2; i < len(flipped)/2+32; i++ {
		flipped[i] ^= 0xff
	}
	for name, data := range map[string][]byte{"flipped.db": flipped, "truncated.db": raw[:len(raw)/2], "empty.db": nil} {
		path := filepath.Join(damaged, name)
		os.WriteFile(path, data, 0o600)
		os.WriteFile(path+sumSuffix, sum, 0o600)
		r := runCLI(t, nil, append([]string{"restore", path}, dst.server()...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "the backup is damaged or truncated") || !strings.Contains(r.Stderr, "nothing was installed") {
			t.Errorf("restore %s: exit %d\nstdout: %s\nstderr: %s", name, r.Code, r.Stdout, r.Stderr)
		}
	}
	want := strings.Fields(string(sum))[0]
	for name, data := range map[string][]byte{"flipped": flipped, "truncated": raw[:len(raw)/2]} {
		status, body := postRaw(t, dst.URL+"/admin/restore?sha256="+want, data)
		if status != 400 || !strings.Contains(body, "InvalidBackup") || !strings.Contains(body, "damaged or truncated") {
			t.Errorf("%s sent straight to the node: %d %s", name, status, body)
		}
	}
	if dids, err := kv.AccountDIDs(dstDir); err != nil || len(dids) != 0 {
		t.Fatalf("accounts installed from damaged backups: %v %v", dids, err)
	}
	entries, _ := os.ReadDir(filepath.Join(dstDir, "accounts"))
	for _, e := range entries {
		if !e.IsDir() {
			t.Fatalf("left %s behind", e.Name())
		}
	}

	// The good backups, all at once.
	out = mustRun(t, append([]string{"restore", backups}, dst.server()...)...)
	if !strings.Contains(out, fmt.Sprintf("restored %d of %d backups", accounts, accounts)) {
		t.Fatalf("restore printed:\n%s", out)
	}

	for did, info := range heads {
		var lc struct {
			CID string `json:"cid"`
			Rev string `json:"rev"`
		}
		dst.mustJSON(t, "GET", "/xrpc/com.atproto.sync.getLatestCommit?did="+did.String(), "", nil, &lc)
		if lc.CID != info.Head.Commit.String() || lc.Rev != info.Head.Rev.String() {
			t.Fatalf("%s: restored head %+v, backup head %+v", did, lc, info.Head)
		}
		wantRecs := map[string]string{}
		for _, w := range writes {
			if w.did == did && w.Rev <= info.Head.Rev.String() {
				wantRecs[w.URI] = w.CID
			}
		}
		if got := dst.records(t, did); !maps.Equal(got, wantRecs) {
			t.Fatalf("%s: %d records restored, %d written up to rev %s", did, len(got), len(wantRecs), info.Head.Rev)
		}
		key := docKey(t, src, handles[did])
		status, car := getRaw(t, dst.URL+"/xrpc/com.atproto.sync.getRepo?did="+did.String())
		if status != 200 {
			t.Fatalf("getRepo %s: %d", did, status)
		}
		loaded, err := repo.LoadCAR(bytes.NewReader(car), repo.LoadOptions{DID: did, Key: key})
		if err != nil {
			t.Fatalf("%s: the restored repository does not verify with the source's key: %v", did, err)
		}
		if !loaded.CID.Equals(info.Head.Commit) || len(loaded.Records) != len(wantRecs) {
			t.Fatalf("%s: restored repository %s with %d records", did, loaded.CID, len(loaded.Records))
		}
	}

	// The restored node's firehose announces each account.
	seen := firehose(t, dst.URL, 3*accounts)
	for did, info := range heads {
		got := seen[did]
		if len(got) != 3 || got[0] != "#identity" || got[1] != "#account" || got[2] != "#sync "+info.Head.Rev.String() {
			t.Errorf("%s: events %v", did, got)
		}
	}
}

// TestBackupLocal backs up, compacts and restores on data directories no
// node runs on, opening them in-process.
func TestBackupLocal(t *testing.T) {
	srcDir := t.TempDir()
	src := MustStartNode(t, srcDir, nil)
	var users []testUser
	for i := range 3 {
		u := src.MustUser(t, fmt.Sprintf("local%d.test", i))
		for j := range 20 {
			if _, err := src.post(context.Background(), u, fmt.Sprint("post ", j)); err != nil {
				t.Fatal(err)
			}
		}
		users = append(users, u)
	}
	src.Stop(t)
	local := []string{"--local", "--data-dir", srcDir}

	one := filepath.Join(t.TempDir(), "one.db")
	out := mustRun(t, append([]string{"backup", "--did", "local1.test", "--out", one}, local...)...)
	if !strings.Contains(out, "backed up "+users[1].DID.String()) {
		t.Fatalf("backup --did printed %q", out)
	}
	sum, _ := os.ReadFile(one + sumSuffix)
	raw, _ := os.ReadFile(one)
	digest := sha256.Sum256(raw)
	if string(sum) != hex.EncodeToString(digest[:])+"  one.db\n" {
		t.Fatalf("digest file %q", sum)
	}
	all := filepath.Join(t.TempDir(), "all")
	mustRun(t, append([]string{"backup", "--all", "--out", all}, local...)...)
	out = mustRun(t, append([]string{"compact", "--all"}, local...)...)
	if !strings.Contains(out, "compacted 3 files") {
		t.Fatalf("compact --all printed %q", out)
	}
	out = mustRun(t, append([]string{"compact", "--did", "local0.test"}, local...)...)
	if !strings.Contains(out, "compacted "+users[0].DID.String()) {
		t.Fatalf("compact --did printed %q", out)
	}

	// A fresh directory needs the source's secrets first.
	dstDir := filepath.Join(t.TempDir(), "dst")
	r := runCLI(t, nil, "restore", all, "--local", "--data-dir", dstDir)
	if r.Code != 1 || !strings.Contains(r.Stderr, "has no secrets.json") {
		t.Fatalf("restore without secrets: exit %d, %q", r.Code, r.Stderr)
	}
	os.MkdirAll(dstDir, 0o700)
	secrets, _ := os.ReadFile(filepath.Join(srcDir, "secrets.json"))
	os.WriteFile(filepath.Join(dstDir, "secrets.json"), secrets, 0o600)
	out = mustRun(t, "restore", all, "--local", "--data-dir", dstDir)
	if !strings.Contains(out, "restored 3 of 3 backups") {
		t.Fatalf("restore printed %q", out)
	}
	// Again: the accounts are there now, so only --replace does it.
	r = runCLI(t, nil, "restore", one, "--local", "--data-dir", dstDir)
	if r.Code != 1 || !strings.Contains(r.Stderr, "is hosted here") {
		t.Fatalf("restore over a hosted account: exit %d, %q", r.Code, r.Stderr)
	}
	out = mustRun(t, "restore", "--replace", one, "--local", "--data-dir", dstDir)
	if !strings.Contains(out, "replaced "+users[1].DID.String()) {
		t.Fatalf("restore --replace printed %q", out)
	}
	// A backup without its digest file still restores, with a warning.
	os.Remove(one + sumSuffix)
	r = runCLI(t, nil, "restore", "--replace", one, "--local", "--data-dir", dstDir)
	if r.Code != 0 || !strings.Contains(r.Stderr, "cannot be checked for damage") {
		t.Fatalf("restore without a digest file: exit %d, %q", r.Code, r.Stderr)
	}

	dst := MustStartNode(t, dstDir, nil)
	for _, u := range users {
		if got := dst.records(t, u.DID); len(got) != 20 {
			t.Fatalf("%s: %d records after restore", u.Handle, len(got))
		}
		var res struct {
			DID string `json:"did"`
		}
		dst.mustJSON(t, "GET", "/xrpc/com.atproto.identity.resolveHandle?handle="+u.Handle, "", nil, &res)
		if res.DID != u.DID.String() {
			t.Fatalf("%s resolves to %q", u.Handle, res.DID)
		}
		dst.mustJSON(t, "POST", "/xrpc/com.atproto.server.createSession", "",
			map[string]string{"identifier": u.Handle, "password": u.Password}, nil)
	}
}

// docKey returns the signing key of handle's account in the DID
// document its node serves.
func docKey(tb testing.TB, n *testNode, handle string) *crypto.PublicKey {
	tb.Helper()
	req, _ := http.NewRequest("GET", n.URL+"/.well-known/did.json", nil)
	req.Host = handle
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	doc, err := identity.ParseDocument(raw)
	if err != nil {
		tb.Fatalf("DID document of %s: %v (%s)", handle, err, raw)
	}
	key, err := doc.SigningKey()
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

func getRaw(tb testing.TB, url string) (int, []byte) {
	tb.Helper()
	res, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res.StatusCode, b
}

// postRaw sends body to url with the admin password.
func postRaw(tb testing.TB, url string, body []byte) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.SetBasicAuth("admin", testAdminPassword)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// firehose reads count events from the start of the node's firehose and
// returns each account's event kinds, #sync followed by its rev.
func firehose(tb testing.TB, base string, count int) map[atp.DID][]string {
	tb.Helper()
	u := strings.Replace(base, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos?cursor=0"
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	out := map[atp.DID][]string{}
	for range count {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			tb.Fatalf("firehose: %v", err)
		}
		r := dagcbor.NewReader(msg)
		if err := r.Skip(); err != nil {
			tb.Fatal(err)
		}
		hdr, err := dagcbor.Unmarshal(msg[:r.Offset()])
		if err != nil {
			tb.Fatal(err)
		}
		body, err := dagcbor.Unmarshal(msg[r.Offset():])
		if err != nil {
			tb.Fatal(err)
		}
		kind, _ := hdr.(map[string]any)["t"].(string)
		fields := body.(map[string]any)
		raw, _ := fields["did"].(string)
		did, err := atp.ParseDID(raw)
		if err != nil {
			tb.Fatalf("%s event without a did: %v", kind, fields)
		}
		if kind == "#sync" {
			kind += " " + fields["rev"].(string)
		}
		out[did] = append(out[did], kind)
	}
	return out
}
