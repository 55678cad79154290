package blobstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

func TestDiskPutOpenDelete(t *testing.T) {
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alice, _ := atp.ParseDID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	bob, _ := atp.ParseDID("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb")
	data := bytes.Repeat([]byte("blob bytes "), 10000)
	up, err := d.Put(ctx, alice, bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !up.CID.Equals(dagcbor.SumRaw(data)) || up.Size != int64(len(data)) || !bytes.Equal(up.Head, data[:512]) {
		t.Fatalf("Put = %v %d", up.CID, up.Size)
	}
	if _, err := d.Put(ctx, bob, bytes.NewReader(data), 1<<20); err != nil {
		t.Fatal(err)
	}
	b, err := d.Open(ctx, alice, up.CID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(b)
	b.Close()
	if !bytes.Equal(got, data) || b.Size() != int64(len(data)) {
		t.Fatal("Open returned other bytes")
	}
	if err := d.Delete(ctx, alice, up.CID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, alice, up.CID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v", err)
	}
	// Bob's copy is his own.
	if b, err := d.Open(ctx, bob, up.CID); err != nil {
		t.Fatal(err)
	} else {
		b.Close()
	}
	if err := d.Delete(ctx, alice, up.CID); err != nil {
		t.Fatalf("second Delete = %v", err)
	}
}

func TestDiskLimit(t *testing.T) {
	root := t.TempDir()
	d, _ := NewDisk(root)
	alice, _ := atp.ParseDID("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	_, err := d.Put(context.Background(), alice, bytes.NewReader(make([]byte, 1001)), 1000)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put over the limit = %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(root, "tmp"))
	if len(ents) != 0 {
		t.Fatalf("%d temporary files left after a refused upload", len(ents))
	}
	up, err := d.Put(context.Background(), alice, bytes.NewReader(nil), 1000)
	if err != nil || up.Size != 0 || !up.CID.Equals(dagcbor.SumRaw(nil)) {
		t.Fatalf("empty blob: %v %v", up, err)
	}
}

func TestSweepTemp(t *testing.T) {
	root := t.TempDir()
	d, _ := NewDisk(root)
	old := filepath.Join(root, "tmp", "upload-old")
	os.WriteFile(old, []byte("x"), 0o600)
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	os.WriteFile(filepath.Join(root, "tmp", "upload-new"), []byte("x"), 0o600)
	n, err := d.SweepTemp(time.Hour, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("SweepTemp = %d, %v", n, err)
	}
}
