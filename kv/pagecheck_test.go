package kv

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
)

// validAccountFile writes an account file of a few thousand records and
// returns its bytes.
func validAccountFile(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	a, err := CreateAccount(AccountPath(dir, did), did, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rev := mustTID(t, "3jzfcijpj2z2a")
	for i := range 3000 {
		data := bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 60)
		c := dagcbor.SumCBOR(data)
		a.Update(func(tx *AccountTx) error {
			if err := tx.PutBlock(c, data, rev); err != nil {
				return err
			}
			return tx.PutRecord("app.bsky.feed.post/"+c.String()[10:23], c)
		})
	}
	var buf bytes.Buffer
	if _, err := a.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	a.Close()
	return buf.Bytes()
}

// Damaged account files (truncated, zeroed, bytes flipped) are refused or
// accepted, but never crash the process: the page walk runs before bbolt
// maps the file.
func TestInspectDamagedFiles(t *testing.T) {
	good := validAccountFile(t)
	dir := t.TempDir()
	write := func(b []byte) string {
		p := filepath.Join(dir, "x.db")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := InspectAccountFile(write(good)); err != nil {
		t.Fatalf("valid file refused: %v", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	refused := 0
	cases := 0
	for cut := 1; cut < len(good); cut += len(good)/40 + 1 {
		cases++
		if _, err := InspectAccountFile(write(good[:cut])); err != nil {
			refused++
		} else {
			t.Fatalf("a file cut to %d of %d bytes was accepted", cut, len(good))
		}
	}
	for range 150 {
		b := bytes.Clone(good)
		for range 1 + rng.IntN(16) {
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		}
		cases++
		if _, err := InspectAccountFile(write(b)); err != nil {
			refused++
		}
	}
	zeroed := bytes.Clone(good)
	clear(zeroed[len(zeroed)/2:])
	cases++
	if _, err := InspectAccountFile(write(zeroed)); err == nil {
		t.Fatal("a file with its second half zeroed was accepted")
	}
	t.Logf("%d damaged files, %d refused, none crashed", cases, refused+1)
}
