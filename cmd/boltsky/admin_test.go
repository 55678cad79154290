package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdminCommands runs every admin command against a running node.
func TestAdminCommands(t *testing.T) {
	n := MustStartNode(t, t.TempDir(), func(c *Config) { c.InviteRequired = true })
	srv := n.server()
	admin := func(args ...string) string {
		t.Helper()
		return mustRun(t, append(append([]string{"admin"}, args...), srv...)...)
	}

	// Invites: one code, then several for the admin.
	code := strings.TrimSpace(admin("create-invite", "--uses", "2"))
	if !regexp.MustCompile(`^[a-z0-9.-]+-[a-z0-9]{5}-[a-z0-9]{5}$`).MatchString(code) {
		t.Fatalf("create-invite printed %q", code)
	}
	codes := strings.Fields(admin("create-invites", "--count", "3"))
	if len(codes) != 3 {
		t.Fatalf("create-invites printed %v", codes)
	}
	var alice struct {
		DID       string `json:"did"`
		AccessJWT string `json:"accessJwt"`
	}
	n.mustJSON(t, "POST", "/xrpc/com.atproto.server.createAccount", "", map[string]string{
		"handle": "alice.test", "email": "alice@example.com", "password": "password-alice", "inviteCode": code}, &alice)
	aliceUser := testUser{Handle: "alice.test", Access: alice.AccessJWT}
	aliceUser.DID.UnmarshalText([]byte(alice.DID))
	for i := range 3 {
		if _, err := n.post(context.Background(), aliceUser, "post "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	mine := strings.Fields(admin("create-invites", "--count", "2", "--for", alice.DID))
	if len(mine) != 4 || mine[1] != alice.DID {
		t.Fatalf("create-invites --for printed %v", mine)
	}

	// account list and show.
	list := admin("account", "list")
	if !strings.Contains(list, alice.DID) || !strings.Contains(list, "alice.test") || !strings.Contains(list, "active") || !strings.Contains(list, "1 accounts") {
		t.Fatalf("account list:\n%s", list)
	}
	var line accountListing
	if err := json.Unmarshal([]byte(admin("account", "list", "--json")), &line); err != nil || line.DID != alice.DID || line.Rev == "" {
		t.Fatalf("account list --json: %+v %v", line, err)
	}
	show := admin("account", "show", "alice.test")
	for _, want := range []string{alice.DID, "alice@example.com (unconfirmed)", "status:", "active", "repo:", "rev " + line.Rev, "2 codes"} {
		if !strings.Contains(show, want) {
			t.Errorf("account show lacks %q:\n%s", want, show)
		}
	}

	// takedown and untakedown.
	out := admin("takedown", alice.DID, "--ref", "case-17")
	if !strings.Contains(out, "took down "+alice.DID) {
		t.Fatalf("takedown printed %q", out)
	}
	var details accountDetails
	json.Unmarshal([]byte(admin("account", "show", alice.DID, "--json")), &details)
	if details.Status != "takendown" || details.TakedownRef != "case-17" {
		t.Fatalf("after takedown: %+v", details)
	}
	if status, _ := n.call(context.Background(), "GET", "/xrpc/com.atproto.sync.getLatestCommit?did="+alice.DID, "", nil, nil); status != 400 {
		t.Fatalf("a taken-down repository answered %d", status)
	}
	admin("untakedown", "alice.test")
	json.Unmarshal([]byte(admin("account", "show", alice.DID, "--json")), &details)
	if details.Status != "active" {
		t.Fatalf("after untakedown: %+v", details)
	}

	// reset-password: a random password, printed, that signs in.
	out = admin("reset-password", alice.DID)
	m := regexp.MustCompile(`new password of \S+: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("reset-password printed %q", out)
	}
	n.mustJSON(t, "POST", "/xrpc/com.atproto.server.createSession", "",
		map[string]string{"identifier": "alice.test", "password": m[1]}, nil)
	if status, _ := n.call(context.Background(), "POST", "/xrpc/com.atproto.server.createSession", "",
		map[string]string{"identifier": "alice.test", "password": "password-alice"}, nil); status != 401 {
		t.Fatalf("the old password answered %d", status)
	}
	admin("reset-password", "alice.test", "--password", "chosen-password")
	n.mustJSON(t, "POST", "/xrpc/com.atproto.server.createSession", "",
		map[string]string{"identifier": "alice.test", "password": "chosen-password"}, nil)

	// export, then import the export back after more posts.
	car := filepath.Join(t.TempDir(), "alice.car")
	if out := admin("export", "alice.test", "--out", car); !strings.Contains(out, "exported the repository of "+alice.DID) {
		t.Fatalf("export printed %q", out)
	}
	if fi, err := os.Stat(car); err != nil || fi.Size() == 0 {
		t.Fatalf("export wrote %v %v", fi, err)
	}
	if _, err := n.post(context.Background(), aliceUser, "after export"); err != nil {
		t.Fatal(err)
	}
	if out := admin("import", alice.DID, car); !strings.Contains(out, "imported 3 records into "+alice.DID) {
		t.Fatalf("import printed %q", out)
	}
	if recs := n.records(t, aliceUser.DID); len(recs) != 3 {
		t.Fatalf("%d records after import", len(recs))
	}

	// Failures are reported with the node's words and exit 1.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "show", "did:web:nobody.test"}, "Account not found"},
		{[]string{"takedown", "nobody.test"}, "cannot resolve nobody.test"},
		{[]string{"takedown", "did:web:nobody.test"}, "Subject not found"},
		{[]string{"account", "show", "not a handle"}, "neither a DID nor a handle"},
		{[]string{"import", alice.DID, filepath.Join(t.TempDir(), "missing.car")}, "no such file"},
	} {
		r := runCLI(t, nil, append(append([]string{"admin"}, tc.args...), srv...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("admin %v: exit %d, stderr %q, want %q", tc.args, r.Code, r.Stderr, tc.want)
		}
	}
	r := runCLI(t, nil, "admin", "account", "list", "--server", n.URL, "--admin-password", "wrong")
	if r.Code != 1 || !strings.Contains(r.Stderr, "refused the admin password") {
		t.Errorf("wrong password: exit %d, %q", r.Code, r.Stderr)
	}
	r = runCLI(t, nil, "admin", "account", "list", "--server", n.URL)
	if r.Code != 1 || !strings.Contains(r.Stderr, "needs the admin password") {
		t.Errorf("no password: exit %d, %q", r.Code, r.Stderr)
	}
}

// TestAdminModes checks how a command finds its node: the node at the
// configured listen address when one answers, else the data directory,
// which a running node holds.
func TestAdminModes(t *testing.T) {
	dir := t.TempDir()
	n := MustStartNode(t, dir, nil)
	u := n.MustUser(t, "alice.test")
	listen := strings.TrimPrefix(n.URL, "http://")

	// No --server: the node answering at the listen address is used.
	out := mustRun(t, "admin", "account", "list", "--data-dir", dir, "--listen", listen, "--admin-password", testAdminPassword)
	if !strings.Contains(out, u.DID.String()) {
		t.Fatalf("account list through the listen address:\n%s", out)
	}
	// --local while the node holds the files: refused, with the way out,
	// and without touching the running node's files.
	inFlight := filepath.Join(dir, "accounts", ".restore-1.tmp")
	os.WriteFile(inFlight, []byte("a restore in progress"), 0o600)
	r := runCLI(t, nil, "admin", "account", "list", "--local", "--data-dir", dir)
	if r.Code != 1 || !strings.Contains(r.Stderr, "cannot open the node in "+dir) || !strings.Contains(r.Stderr, "--server URL --admin-password PASSWORD") {
		t.Fatalf("--local on a held data directory: exit %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Stat(inFlight); err != nil {
		t.Fatalf("the refused command swept the running node's files: %v", err)
	}
	n.Stop(t)
	// Opening the stopped node's directory sweeps what a crash would leave.
	defer func() {
		if _, err := os.Stat(inFlight); err == nil {
			t.Error("opening the data directory left a restore's temporary file")
		}
	}()

	// Nothing answers: the data directory itself, opened in this process.
	out = mustRun(t, "admin", "account", "show", "alice.test", "--data-dir", dir, "--listen", listen)
	if !strings.Contains(out, u.DID.String()) || !strings.Contains(out, "active") {
		t.Fatalf("account show on the data directory:\n%s", out)
	}
	out = mustRun(t, "admin", "takedown", u.DID.String(), "--local", "--data-dir", dir)
	if !strings.Contains(out, "took down") {
		t.Fatalf("takedown on the data directory: %q", out)
	}
	var d accountDetails
	json.Unmarshal([]byte(mustRun(t, "admin", "account", "show", u.DID.String(), "--json", "--local", "--data-dir", dir)), &d)
	if d.Status != "takendown" {
		t.Fatalf("the takedown did not stay: %+v", d)
	}
	// A directory without a node is refused rather than created.
	empty := filepath.Join(t.TempDir(), "none")
	r = runCLI(t, nil, "admin", "account", "list", "--local", "--data-dir", empty)
	if r.Code != 1 || !strings.Contains(r.Stderr, "no node data in") {
		t.Fatalf("empty directory: exit %d, %q", r.Code, r.Stderr)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Fatal("the command created the data directory")
	}
	if r := runCLI(t, nil, "admin", "account", "list", "--local", "--server", "http://x"); r.Code != 1 || !strings.Contains(r.Stderr, "exclude each other") {
		t.Fatalf("--local --server: exit %d, %q", r.Code, r.Stderr)
	}
}
