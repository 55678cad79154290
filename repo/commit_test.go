package repo_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/repo"
)

func TestCommitSignVerify(t *testing.T) {
	for _, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		t.Run(curve.String(), func(t *testing.T) {
			key := MustKey(t, curve, 1)
			rev, _ := atp.ParseTID("3jzfcijpj2z2a")
			c := repo.Commit{DID: mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz"), Data: dagcbor.SumCBOR([]byte{0xa0}), Rev: rev}
			block, id, err := c.Sign(key)
			if err != nil {
				t.Fatal(err)
			}
			if !id.Equals(dagcbor.SumCBOR(block)) {
				t.Fatal("CID is not the hash of the block")
			}
			if err := dagcbor.Validate(block); err != nil {
				t.Fatalf("commit block is not canonical: %v", err)
			}
			got, err := repo.DecodeCommit(block)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), block) || got.Prev.Defined() {
				t.Fatal("decoded commit does not re-encode identically")
			}
			if err := got.Verify(key.Public()); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			other := MustKey(t, curve, 2)
			if err := got.Verify(other.Public()); !errors.Is(err, repo.ErrBadSignature) {
				t.Fatalf("Verify with another key = %v", err)
			}
			got.Rev, _ = atp.ParseTID("3jzfcijpj2z2b")
			if err := got.Verify(key.Public()); !errors.Is(err, repo.ErrBadSignature) {
				t.Fatalf("Verify of a changed commit = %v", err)
			}
		})
	}
}

func TestDecodeCommitRejects(t *testing.T) {
	rev, _ := atp.ParseTID("3jzfcijpj2z2a")
	good := repo.Commit{DID: mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz"), Data: dagcbor.SumCBOR([]byte{0xa0}), Rev: rev, Sig: make([]byte, 64)}
	encode := func(m map[string]any) []byte {
		b, err := dagcbor.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := func() map[string]any {
		return map[string]any{"did": good.DID.String(), "rev": rev.String(), "sig": good.Sig,
			"data": good.Data, "prev": nil, "version": int64(3)}
	}
	tests := []struct {
		name string
		edit func(m map[string]any)
	}{
		{"version 2", func(m map[string]any) { m["version"] = int64(2) }},
		{"missing prev", func(m map[string]any) { delete(m, "prev") }},
		{"missing sig", func(m map[string]any) { delete(m, "sig") }},
		{"extra field", func(m map[string]any) { m["extra"] = "x" }},
		{"bad did", func(m map[string]any) { m["did"] = "not-a-did" }},
		{"bad rev", func(m map[string]any) { m["rev"] = "nope" }},
		{"data not a link", func(m map[string]any) { m["data"] = "bafy" }},
		{"raw data link", func(m map[string]any) { m["data"] = dagcbor.SumRaw([]byte{1}) }},
		{"sig as text", func(m map[string]any) { m["sig"] = "abc" }},
	}
	if _, err := repo.DecodeCommit(encode(base())); err != nil {
		t.Fatalf("base commit rejected: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			if _, err := repo.DecodeCommit(encode(m)); !errors.Is(err, repo.ErrInvalidCommit) {
				t.Fatalf("DecodeCommit = %v, want ErrInvalidCommit", err)
			}
		})
	}
	trailing := append(good.Bytes(), 0)
	if _, err := repo.DecodeCommit(trailing); !errors.Is(err, repo.ErrInvalidCommit) {
		t.Fatalf("trailing byte accepted: %v", err)
	}
}

// The commit encoding of a known commit, checked byte for byte: keys in
// canonical order did, rev, sig, data, prev, version with prev null.
func TestCommitGolden(t *testing.T) {
	rev, _ := atp.ParseTID("2222222222222")
	data, _ := cid.Decode("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
	c := repo.Commit{DID: mustDID(t, "did:web:a.b"), Data: data, Rev: rev}
	want := "a563646964" + "6b6469643a7765623a612e62" + // did: "did:web:a.b"
		"63726576" + "6d32323232323232323232323232" + // rev
		"6464617461" + "d82a582500" + hex.EncodeToString(data.Bytes()) + // data: tag 42, 37 bytes
		"6470726576" + "f6" + // prev: null
		"6776657273696f6e" + "03" // version: 3
	if got := hex.EncodeToString(c.UnsignedBytes()); got != want {
		t.Fatalf("UnsignedBytes =\n%s\nwant\n%s", got, want)
	}
}
