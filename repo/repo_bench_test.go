package repo_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	irepo "github.com/bluesky-social/indigo/atproto/repo"
	oldrepo "github.com/bluesky-social/indigo/repo"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	gocar "github.com/ipld/go-car"
	carutil "github.com/ipld/go-car/util"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/repo"
)

// BenchmarkCommitSignVerify signs a commit and verifies it, with ours and
// with indigo's atproto/repo and atcrypto, on K-256.
func BenchmarkCommitSignVerify(b *testing.B) {
	data := dagcbor.SumCBOR([]byte{0xa0})
	rev, _ := atp.ParseTID("3jzfcijpj2z2a")
	b.Run("ours", func(b *testing.B) {
		key := MustKey(b, crypto.K256, 1)
		pub := key.Public()
		did := mustDID(b, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
		b.ReportAllocs()
		for b.Loop() {
			c := repo.Commit{DID: did, Data: data, Rev: rev}
			if _, _, err := c.Sign(key); err != nil {
				b.Fatal(err)
			}
			if err := c.Verify(pub); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		key, _ := atcrypto.GeneratePrivateKeyK256()
		pub, _ := key.PublicKey()
		b.ReportAllocs()
		for b.Loop() {
			c := irepo.Commit{DID: "did:plc:ewvi7nxzyoun6zhxrhs64oiz", Version: 3, Data: data, Rev: rev.String()}
			if err := c.Sign(key); err != nil {
				b.Fatal(err)
			}
			if err := c.VerifySignature(pub); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchRepo returns a repository of n records in memory.
func benchRepo(b *testing.B, n int) *testRepo {
	b.Helper()
	r := newTestRepo(b, "did:plc:ewvi7nxzyoun6zhxrhs64oiz", MustKey(b, crypto.K256, 1))
	rng := rand.New(rand.NewPCG(1, 1))
	for len(r.records) < n {
		var writes []repo.Write
		for i := 0; i < repo.MaxOps && len(r.records)+len(writes) < n; i++ {
			path := "app.bsky.feed.post/" + r.clock.Next().String()
			writes = append(writes, repo.Write{Action: repo.Create, Path: path, Record: record(b, "app.bsky.feed.post", rng.Int())})
		}
		r.commit(b, writes)
	}
	return r
}

// BenchmarkExportCAR10k streams a 10,000-record repository to a CAR:
// ours walks the MST in the spec's preferred order; indigo's equivalent
// opens the repository with its repo package, copies every reachable block
// and writes them with go-car.
func BenchmarkExportCAR10k(b *testing.B) {
	r := benchRepo(b, 10_000)
	var size int64
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cw := &countWriter{}
			if err := repo.WriteCAR(cw, r.store, r.head); err != nil {
				b.Fatal(err)
			}
			size = cw.n
		}
		b.SetBytes(size)
	})
	b.Run("indigo", func(b *testing.B) {
		ctx := context.Background()
		src := irepo.NewTinyBlockstore()
		for c, data := range r.store {
			blk, _ := blocks.NewBlockWithCid(data, c)
			src.Put(ctx, blk)
		}
		b.ReportAllocs()
		for b.Loop() {
			rp, err := oldrepo.OpenRepo(ctx, src, r.head)
			if err != nil {
				b.Fatal(err)
			}
			dst := &carSink{w: &countWriter{}}
			if err := gocar.WriteHeader(&gocar.CarHeader{Roots: []cid.Cid{r.head}, Version: 1}, dst.w); err != nil {
				b.Fatal(err)
			}
			commit, _ := src.Get(ctx, r.head)
			dst.Put(ctx, commit)
			if err := rp.CopyDataTo(ctx, dst); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(size)
	})
}

// carSink is a write-only blockstore that appends each block to a CAR.
type carSink struct{ w io.Writer }

func (s *carSink) Put(_ context.Context, blk blocks.Block) error {
	return carutil.LdWrite(s.w, blk.Cid().Bytes(), blk.RawData())
}

func (s *carSink) Get(context.Context, cid.Cid) (blocks.Block, error) {
	return nil, io.ErrUnexpectedEOF
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
