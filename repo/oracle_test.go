package repo_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	irepo "github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/atproto/syntax"
	lexutil "github.com/bluesky-social/indigo/lex/util"
	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/repo"
)

// indigoCommitMessage wraps one of our commits as the firehose message
// indigo's verifier takes.
func indigoCommitMessage(did string, res *repo.Result, since *string) *comatproto.SyncSubscribeRepos_Commit {
	ops := make([]*comatproto.SyncSubscribeRepos_RepoOp, len(res.Ops))
	for i, op := range res.Ops {
		o := &comatproto.SyncSubscribeRepos_RepoOp{Action: string(op.Action), Path: op.Path}
		if op.CID.Defined() {
			l := lexutil.LexLink(op.CID)
			o.Cid = &l
		}
		if op.Prev.Defined() {
			l := lexutil.LexLink(op.Prev)
			o.Prev = &l
		}
		ops[i] = o
	}
	prevData := lexutil.LexLink(res.PrevData)
	return &comatproto.SyncSubscribeRepos_Commit{
		Blocks:   lexutil.LexBytes(res.Slice),
		Commit:   lexutil.LexLink(res.CID),
		Ops:      ops,
		PrevData: &prevData,
		Repo:     did,
		Rev:      res.Commit.Rev.String(),
		Since:    since,
		Time:     time.Now().UTC().Format(time.RFC3339),
		Blobs:    []lexutil.LexLink{},
	}
}

// TestOracleRandomRepos builds 50 random repositories of up to 5,000
// records through Apply, in random batches of creates, updates and
// deletes. Every commit's firehose slice must pass indigo's sync 1.1
// verification (signature checked separately) and ours; at the end the
// exported CAR must load in indigo with the same root and records, and
// its commit must verify with indigo's crypto.
func TestOracleRandomRepos(t *testing.T) {
	repos, maxRecords := 50, 5000
	if testing.Short() {
		repos, maxRecords = 8, 500
	}
	colls := []string{"app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.graph.follow", "com.example.record", "a.b.c"}
	ctx := context.Background()
	commits := 0
	for i := range repos {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		curve := crypto.K256
		if i%5 == 4 {
			curve = crypto.P256
		}
		key := MustKey(t, curve, uint64(i))
		ipub, err := atcrypto.ParsePublicDIDKey(key.Public().DIDKey())
		if err != nil {
			t.Fatal(err)
		}
		did := "did:plc:" + string(rune('a'+i%26)) + "bcdefghijklmnopqrstuvwx"
		r := newTestRepo(t, did, key)
		target := 1 + rng.IntN(maxRecords)
		since := ""
		for len(r.records) < target {
			writes := r.randomWrites(t, rng, 1+rng.IntN(150), colls)
			res := r.commit(t, writes)
			commits++
			var sincePtr *string
			if since != "" {
				sincePtr = &since
			}
			// Check every slice of small repos, and a sample of large ones.
			if len(r.records) < 300 || commits%7 == 0 {
				msg := indigoCommitMessage(did, res, sincePtr)
				if _, err := irepo.VerifyCommitMessage(ctx, msg); err != nil {
					t.Fatalf("repo %d: indigo rejects commit %s: %v", i, res.Commit.Rev, err)
				}
				if _, err := repo.VerifySlice(res.Slice, res.CID, res.Commit.Rev, res.Ops, res.PrevData, key.Public()); err != nil {
					t.Fatalf("repo %d: VerifySlice: %v", i, err)
				}
			}
			since = res.Commit.Rev.String()
		}

		var buf bytes.Buffer
		if err := repo.WriteCAR(&buf, r.store, r.head); err != nil {
			t.Fatal(err)
		}
		icommit, irp, err := irepo.LoadRepoFromCAR(ctx, bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("repo %d: indigo cannot load our CAR: %v", i, err)
		}
		if err := icommit.VerifySignature(ipub); err != nil {
			t.Fatalf("repo %d: indigo rejects our commit signature: %v", i, err)
		}
		iroot, err := irp.MST.RootCID()
		if err != nil {
			t.Fatal(err)
		}
		ours, _ := r.tree.Root()
		if !iroot.Equals(ours) {
			t.Fatalf("repo %d: indigo root %s, ours %s", i, iroot, ours)
		}
		n := 0
		err = irp.MST.Walk(func(key []byte, val cid.Cid) error {
			if want := r.records[string(key)]; !want.Equals(val) {
				t.Fatalf("repo %d: %s is %s in indigo, %s in ours", i, key, val, want)
			}
			n++
			return nil
		})
		if err != nil || n != len(r.records) {
			t.Fatalf("repo %d: indigo walked %d records, want %d (%v)", i, n, len(r.records), err)
		}
		loaded, err := repo.LoadCAR(bytes.NewReader(buf.Bytes()), repo.LoadOptions{DID: r.did, Key: key.Public()})
		if err != nil {
			t.Fatalf("repo %d: LoadCAR of our own export: %v", i, err)
		}
		if len(loaded.Records) != len(r.records) {
			t.Fatalf("repo %d: LoadCAR found %d records, want %d", i, len(loaded.Records), len(r.records))
		}
	}
	t.Logf("checked %d repositories, %d commits", repos, commits)
}

// TestOracleCommitSignatures signs commits with indigo and verifies them
// with ours, and the other way round, on both curves.
func TestOracleCommitSignatures(t *testing.T) {
	data, _ := cid.Decode("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
	for _, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		for i := range 20 {
			// indigo signs, we verify.
			var ipriv atcrypto.PrivateKeyExportable
			var err error
			if curve == crypto.K256 {
				ipriv, err = atcrypto.GeneratePrivateKeyK256()
			} else {
				ipriv, err = atcrypto.GeneratePrivateKeyP256()
			}
			if err != nil {
				t.Fatal(err)
			}
			rev := syntax.NewTIDNow(uint(i))
			ic := irepo.Commit{DID: "did:plc:ewvi7nxzyoun6zhxrhs64oiz", Version: 3, Data: data, Rev: rev.String()}
			if err := ic.Sign(ipriv); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := ic.MarshalCBOR(&buf); err != nil {
				t.Fatal(err)
			}
			ours, err := repo.DecodeCommit(buf.Bytes())
			if err != nil {
				t.Fatalf("DecodeCommit of indigo's commit: %v", err)
			}
			if !bytes.Equal(ours.Bytes(), buf.Bytes()) {
				t.Fatal("indigo's commit re-encodes differently")
			}
			ipub, _ := ipriv.PublicKey()
			pub, err := crypto.ParseDIDKey(ipub.DIDKey())
			if err != nil {
				t.Fatal(err)
			}
			if err := ours.Verify(pub); err != nil {
				t.Fatalf("indigo's signature does not verify with ours: %v", err)
			}

			// We sign, indigo verifies.
			key := MustKey(t, curve, uint64(100+i))
			c := repo.Commit{DID: ours.DID, Data: data, Rev: ours.Rev}
			block, _, err := c.Sign(key)
			if err != nil {
				t.Fatal(err)
			}
			var back irepo.Commit
			if err := back.UnmarshalCBOR(bytes.NewReader(block)); err != nil {
				t.Fatal(err)
			}
			ikey, err := atcrypto.ParsePublicDIDKey(key.Public().DIDKey())
			if err != nil {
				t.Fatal(err)
			}
			if err := back.VerifySignature(ikey); err != nil {
				t.Fatalf("our signature does not verify in indigo: %v", err)
			}
		}
	}
}
