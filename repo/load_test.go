package repo_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/internal/testvectors"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// A real v3 repository exported by the reference network loads, verifies
// against its DID document's (legacy-format) key, and re-exports with the
// same commit and records.
func TestLoadGreenground(t *testing.T) {
	var doc struct {
		VerificationMethod []struct {
			Type               string `json:"type"`
			PublicKeyMultibase string `json:"publicKeyMultibase"`
		} `json:"verificationMethod"`
	}
	if err := json.Unmarshal(testvectors.Read(t, "extra/indigo/testing/greenground.didDoc.json"), &doc); err != nil {
		t.Fatal(err)
	}
	vm := doc.VerificationMethod[0]
	key, err := crypto.ParsePublicKeyLegacyMultibase(vm.Type, vm.PublicKeyMultibase)
	if err != nil {
		t.Fatal(err)
	}
	// The commit names another DID than the document's id (the account's
	// repository predates its current DID document), so only the key is
	// checked here, as indigo's own test of this file does.
	data := testvectors.Read(t, "extra/indigo/testing/greenground.repo.car")
	loaded, err := repo.LoadCAR(bytes.NewReader(data), repo.LoadOptions{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := repo.WriteCAR(&out, loaded, loaded.CID); err != nil {
		t.Fatal(err)
	}
	again, err := repo.LoadCAR(bytes.NewReader(out.Bytes()), repo.LoadOptions{DID: loaded.Commit.DID, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if !again.CID.Equals(loaded.CID) || len(again.Records) != len(loaded.Records) || again.Blocks.Len() != loaded.Blocks.Len() {
		t.Fatalf("re-export differs: %d records, %d blocks; want %d, %d", len(again.Records), again.Blocks.Len(), len(loaded.Records), loaded.Blocks.Len())
	}
	t.Logf("checked greenground: %d records, %d blocks", len(loaded.Records), loaded.Blocks.Len())

	wrong, _ := atp.ParseDID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	if _, err := repo.LoadCAR(bytes.NewReader(data), repo.LoadOptions{DID: wrong}); !errors.Is(err, repo.ErrInvalidRepo) {
		t.Fatalf("LoadCAR with the wrong DID = %v", err)
	}
	other := MustKey(t, crypto.K256, 5).Public()
	if _, err := repo.LoadCAR(bytes.NewReader(data), repo.LoadOptions{Key: other}); !errors.Is(err, repo.ErrBadSignature) {
		t.Fatalf("LoadCAR with the wrong key = %v", err)
	}
}

// Damaged repositories are refused: each case removes or alters something
// a complete repository needs.
func TestLoadRejects(t *testing.T) {
	key := MustKey(t, crypto.K256, 1)
	r := newTestRepo(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz", key)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		r.commit(t, r.randomWrites(t, rng, 50, []string{"app.bsky.feed.post", "app.bsky.feed.like"}))
	}
	commit, _ := repo.DecodeCommit(r.store[r.head])
	var aRecord cid.Cid
	for _, c := range r.records {
		aRecord = c
		break
	}
	rebuild := func(drop cid.Cid, roots ...cid.Cid) []byte {
		var buf bytes.Buffer
		w, err := car.NewWriter(&buf, roots...)
		if err != nil {
			t.Fatal(err)
		}
		for c, b := range r.store {
			if !c.Equals(drop) {
				w.WriteBlock(c, b)
			}
		}
		w.Flush()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		car  []byte
	}{
		{"missing commit", rebuild(r.head, r.head)},
		{"missing MST root", rebuild(commit.Data, r.head)},
		{"missing record", rebuild(aRecord, r.head)},
		{"two roots", rebuild(cid.Undef, r.head, commit.Data)},
		{"root is not a commit", rebuild(cid.Undef, commit.Data)},
		{"truncated", rebuild(cid.Undef, r.head)[:200]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := repo.LoadCAR(bytes.NewReader(tt.car), repo.LoadOptions{Key: key.Public()})
			if !errors.Is(err, repo.ErrInvalidRepo) {
				t.Fatalf("LoadCAR = %v, want ErrInvalidRepo", err)
			}
		})
	}
	// Unrelated extra blocks are dropped.
	full := rebuild(cid.Undef, r.head)
	loaded, err := repo.LoadCAR(bytes.NewReader(full), repo.LoadOptions{Key: key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	reachable := 0
	mst.WalkNodes(r.store, commit.Data, func(cid.Cid, []byte, []cid.Cid) error { reachable++; return nil })
	distinct := map[cid.Cid]bool{}
	for _, c := range r.records {
		distinct[c] = true
	}
	if want := 1 + reachable + len(distinct); loaded.Blocks.Len() != want {
		t.Fatalf("loaded %d blocks, want %d", loaded.Blocks.Len(), want)
	}
}

// WriteDiffCAR gives a holder of an older version what it needs to reach
// the current one: applying the diff to the old blocks yields the current
// tree, and the diff holds no block the old version already had.
func TestWriteDiffCAR(t *testing.T) {
	key := MustKey(t, crypto.K256, 1)
	r := newTestRepo(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz", key)
	r.tree = mst.New(r.store)
	rng := rand.New(rand.NewPCG(3, 4))
	colls := []string{"app.bsky.feed.post", "app.bsky.feed.like"}
	r.commit(t, r.randomWrites(t, rng, 200, colls))
	oldCommit, _ := repo.DecodeCommit(r.store[r.head])
	old := memStore{}
	for c, b := range r.store {
		old[c] = b
	}
	// Keep every block from here on, so both versions stay readable.
	all := memStore{}
	for c, b := range r.store {
		all[c] = b
	}
	for range 3 {
		res := r.commit(t, r.randomWrites(t, rng, 40, colls))
		for _, b := range res.Blocks {
			all[b.CID] = b.Data
		}
	}
	var buf bytes.Buffer
	if err := repo.WriteDiffCAR(&buf, all, r.head, oldCommit.Data); err != nil {
		t.Fatal(err)
	}
	roots, diff, err := car.ReadAll(bytes.NewReader(buf.Bytes()), car.Options{})
	if err != nil || !roots[0].Equals(r.head) {
		t.Fatalf("diff CAR: %v, roots %v", err, roots)
	}
	merged := memStore{}
	for c, b := range old {
		merged[c] = b
	}
	n := 0
	for c, b := range all {
		if d, ok := diff.Get(c); ok {
			if _, had := old[c]; had {
				t.Fatalf("diff repeats block %s the old version had", c)
			}
			merged[c] = d
			n++
			_ = b
		}
	}
	if n != diff.Len() {
		t.Fatalf("diff holds %d blocks not in the store", diff.Len()-n)
	}
	var full bytes.Buffer
	if err := repo.WriteCAR(&full, merged, r.head); err != nil {
		t.Fatalf("old blocks + diff do not make the current repository: %v", err)
	}
	if _, err := repo.LoadCAR(bytes.NewReader(full.Bytes()), repo.LoadOptions{Key: key.Public()}); err != nil {
		t.Fatal(err)
	}
}

// Real #commit messages from the network (pre-sync-1.1, so without
// prevData) carry a slice that holds their commit, their records and a
// tree in which each op's record sits at its path.
func TestFirehoseCommitFixtures(t *testing.T) {
	names := []string{"4621317030", "4621317332", "4621332152", "4623075231"}
	for _, name := range names {
		var msg struct {
			Blocks struct {
				Bytes string `json:"$bytes"`
			} `json:"blocks"`
			Commit struct {
				Link string `json:"$link"`
			} `json:"commit"`
			Ops []struct {
				Action string `json:"action"`
				Path   string `json:"path"`
				CID    *struct {
					Link string `json:"$link"`
				} `json:"cid"`
			} `json:"ops"`
			Repo string `json:"repo"`
			Rev  string `json:"rev"`
		}
		if err := json.Unmarshal(testvectors.Read(t, "extra/indigo/atproto/repo/firehose_commit_"+name+".json"), &msg); err != nil {
			t.Fatal(err)
		}
		slice, err := base64.RawStdEncoding.DecodeString(msg.Blocks.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		roots, blocks, err := car.ReadAll(bytes.NewReader(slice), car.Options{})
		if err != nil {
			t.Fatal(err)
		}
		commitCID, _ := cid.Decode(msg.Commit.Link)
		if !roots[0].Equals(commitCID) {
			t.Fatalf("%s: root %s, commit %s", name, roots[0], commitCID)
		}
		block, _ := blocks.Get(commitCID)
		commit, err := repo.DecodeCommit(block)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if commit.Rev.String() != msg.Rev || commit.DID.String() != msg.Repo {
			t.Fatalf("%s: commit %s/%s, message %s/%s", name, commit.DID, commit.Rev, msg.Repo, msg.Rev)
		}
		tree := mst.Load(sourceOf(blocks), commit.Data)
		for _, op := range msg.Ops {
			if op.CID == nil {
				continue
			}
			want, _ := cid.Decode(op.CID.Link)
			got, ok, err := tree.Get(op.Path)
			if err != nil || !ok || !got.Equals(want) {
				t.Fatalf("%s: %s is %v %v %v, want %s", name, op.Path, got, ok, err, want)
			}
			if _, ok := blocks.Get(want); !ok {
				t.Fatalf("%s: record %s missing from slice", name, want)
			}
		}
	}
	t.Logf("checked %d firehose commit messages", len(names))
}

type blocksSource struct{ b *car.Blocks }

func (s blocksSource) GetBlock(c cid.Cid) ([]byte, error) {
	if d, ok := s.b.Get(c); ok {
		return d, nil
	}
	return nil, mst.ErrBlockNotFound
}

func sourceOf(b *car.Blocks) mst.BlockGetter { return blocksSource{b} }
