package kv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

func mustDID(tb testing.TB, s string) atp.DID {
	tb.Helper()
	d, err := atp.ParseDID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustTID(tb testing.TB, s string) atp.TID {
	tb.Helper()
	t, err := atp.ParseTID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// MustAccount creates an account file in a temporary directory.
func MustAccount(tb testing.TB, did string) *Account {
	tb.Helper()
	path := AccountPath(tb.TempDir(), mustDID(tb, did))
	a, err := CreateAccount(path, mustDID(tb, did), Options{NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	return a
}

func TestAccountPath(t *testing.T) {
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	got := AccountPath("/data", did)
	dir := filepath.Base(filepath.Dir(got))
	if len(dir) != 2 || filepath.Base(got) != did.String()+".db" || filepath.Dir(filepath.Dir(got)) != "/data/accounts" {
		t.Fatalf("AccountPath = %s", got)
	}
}

func TestCreateOpenAccount(t *testing.T) {
	dir := t.TempDir()
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	path := AccountPath(dir, did)
	if _, err := OpenAccount(path, Options{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OpenAccount of missing file = %v, want ErrNotFound", err)
	}
	a, err := CreateAccount(path, did, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := CreateAccount(path, did, Options{}); !errors.Is(err, ErrExists) {
		t.Fatalf("second CreateAccount = %v, want ErrExists", err)
	}
	a, err = OpenAccount(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.DID() != did {
		t.Fatalf("DID = %s", a.DID())
	}
}

func TestOpenRefusesOtherKinds(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenEventLog(filepath.Join(dir, "events.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := OpenAccount(filepath.Join(dir, "events.db"), Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("OpenAccount(events.db) = %v, want ErrSchema", err)
	}
	if _, err := OpenServer(filepath.Join(dir, "events.db"), Options{}); !errors.Is(err, ErrSchema) {
		t.Fatalf("OpenServer(events.db) = %v, want ErrSchema", err)
	}
}

func TestBlocksAndHead(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	data := []byte{0xa1, 0x61, 0x61, 0x01}
	c := dagcbor.SumCBOR(data)
	head := Head{Commit: c, Rev: mustTID(t, "3jzfcijpj2z2a"), Data: dagcbor.SumCBOR([]byte{0xa0})}
	err := a.Update(func(tx *AccountTx) error {
		if _, err := tx.Head(); !errors.Is(err, ErrNotFound) {
			t.Errorf("Head before first commit = %v, want ErrNotFound", err)
		}
		if err := tx.PutBlock(c, data, head.Rev); err != nil {
			return err
		}
		return tx.SetHead(head)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	a.View(func(tx *AccountTx) error {
		got, err = tx.Block(c)
		if h, err := tx.Head(); err != nil || h != head {
			t.Errorf("Head = %+v, %v; want %+v", h, err, head)
		}
		if !tx.HasBlock(c) || tx.BlockCount() != 1 {
			t.Errorf("HasBlock/BlockCount wrong")
		}
		return nil
	})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Block = %x, %v", got, err)
	}
	a.Update(func(tx *AccountTx) error { return tx.DeleteBlock(c) })
	a.View(func(tx *AccountTx) error {
		if _, err := tx.Block(c); !errors.Is(err, ErrNotFound) {
			t.Errorf("Block after delete = %v", err)
		}
		return nil
	})
}

func TestBlocksSince(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	revs := []string{"3jzfcijpj2z2a", "3jzfcijpj2z2b", "3jzfcijpj2z2c"}
	var cids []cid.Cid
	err := a.Update(func(tx *AccountTx) error {
		for i, r := range revs {
			for j := range 2 {
				data := []byte{0x82, byte(i), byte(j)}
				c := dagcbor.SumCBOR(data)
				cids = append(cids, c)
				if err := tx.PutBlock(c, data, mustTID(t, r)); err != nil {
					return err
				}
			}
		}
		// Re-putting an old block under a new revision keeps the old one.
		return tx.PutBlock(cids[0], []byte{0x82, 0, 0}, mustTID(t, revs[2]))
	})
	if err != nil {
		t.Fatal(err)
	}
	since := func(rev string) int {
		n := 0
		a.View(func(tx *AccountTx) error {
			return tx.ForEachBlockSince(mustTID(t, rev), func(c cid.Cid, data []byte) error {
				n++
				return nil
			})
		})
		return n
	}
	if n := since(revs[0]); n != 4 {
		t.Fatalf("blocks since %s = %d, want 4", revs[0], n)
	}
	if n := since("2222222222222"); n != 6 {
		t.Fatalf("blocks since zero = %d, want 6", n)
	}
	a.Update(func(tx *AccountTx) error { return tx.DeleteBlock(cids[5]) })
	if n := since(revs[1]); n != 1 {
		t.Fatalf("blocks since %s after delete = %d, want 1", revs[1], n)
	}
}

func TestRecordCIDIndex(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	x, y := dagcbor.SumCBOR([]byte{1}), dagcbor.SumCBOR([]byte{2})
	a.Update(func(tx *AccountTx) error {
		tx.PutRecord("app.bsky.feed.like/a", x)
		tx.PutRecord("app.bsky.feed.like/b", x)
		return nil
	})
	used := func(c cid.Cid) (u bool) {
		a.View(func(tx *AccountTx) error { u = tx.RecordCIDUsed(c); return nil })
		return u
	}
	if !used(x) || used(y) {
		t.Fatal("RecordCIDUsed wrong after puts")
	}
	a.Update(func(tx *AccountTx) error {
		tx.PutRecord("app.bsky.feed.like/a", y)
		return tx.DeleteRecord("app.bsky.feed.like/b")
	})
	if used(x) || !used(y) {
		t.Fatal("RecordCIDUsed wrong after update and delete")
	}
}

func TestRecordTakedownFollowsRecord(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	x, y := dagcbor.SumCBOR([]byte{1}), dagcbor.SumCBOR([]byte{2})
	const p, q = "app.bsky.feed.post/a", "app.bsky.feed.post/b"
	taken := func(path string) (ok bool) {
		a.View(func(tx *AccountTx) error { _, ok = tx.RecordTakedown(path); return nil })
		return ok
	}
	update := func(fn func(tx *AccountTx) error) {
		t.Helper()
		if err := a.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *AccountTx) error {
		tx.PutRecord(p, x)
		tx.PutRecord(q, x)
		tx.SetRecordTakedown(p, "ref-p", true)
		return tx.SetRecordTakedown(q, "ref-q", true)
	})
	// An update keeps the takedown.
	update(func(tx *AccountTx) error { return tx.PutRecord(p, y) })
	if !taken(p) {
		t.Fatal("takedown lost on update")
	}
	// A delete ends it: the record made again at that path is served.
	update(func(tx *AccountTx) error { return tx.DeleteRecord(p) })
	update(func(tx *AccountTx) error { return tx.PutRecord(p, x) })
	if taken(p) || !taken(q) {
		t.Fatalf("after delete and create: %v %v", taken(p), taken(q))
	}
	// Replacing the index keeps the takedowns of records still there.
	update(func(tx *AccountTx) error {
		tx.SetRecordTakedown(p, "ref-p", true)
		if err := tx.DeleteAllRecords(); err != nil {
			return err
		}
		tx.PutRecord(p, y)
		return tx.PruneRecordTakedowns()
	})
	if !taken(p) || taken(q) {
		t.Fatalf("after replace: %v %v", taken(p), taken(q))
	}
}

func TestListRecords(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	rkeys := []string{"a", "b", "c", "d", "e"}
	err := a.Update(func(tx *AccountTx) error {
		for i, rk := range rkeys {
			c := dagcbor.SumCBOR([]byte{byte(i)})
			for _, coll := range []string{"app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.feed.postgate"} {
				if err := tx.PutRecord(coll+"/"+rk, c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cursor  string
		limit   int
		reverse bool
		want    []string
	}{
		{"", 0, false, []string{"a", "b", "c", "d", "e"}},
		{"", 2, false, []string{"a", "b"}},
		{"b", 2, false, []string{"c", "d"}},
		{"bb", 0, false, []string{"c", "d", "e"}},
		{"e", 0, false, nil},
		{"", 0, true, []string{"e", "d", "c", "b", "a"}},
		{"d", 2, true, []string{"c", "b"}},
		{"cc", 0, true, []string{"c", "b", "a"}},
		{"a", 0, true, nil},
		{"z", 1, true, []string{"e"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d/%v", tt.cursor, tt.limit, tt.reverse), func(t *testing.T) {
			var got []string
			a.View(func(tx *AccountTx) error {
				return tx.ListRecords("app.bsky.feed.post", tt.cursor, tt.limit, tt.reverse, func(e RecordEntry) bool {
					got = append(got, e.RKey)
					return true
				})
			})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	a.Update(func(tx *AccountTx) error {
		for _, rk := range rkeys {
			if err := tx.DeleteRecord("app.bsky.feed.like/" + rk); err != nil {
				return err
			}
		}
		return nil
	})
	a.View(func(tx *AccountTx) error {
		if got := tx.Collections(); !slices.Equal(got, []string{"app.bsky.feed.post", "app.bsky.feed.postgate"}) {
			t.Errorf("Collections = %v", got)
		}
		if n := tx.RecordCount(); n != 10 {
			t.Errorf("RecordCount = %d", n)
		}
		return nil
	})
}

func TestAccountStateAndAppPasswords(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	h, _ := atp.ParseHandle("alice.test")
	st := AccountState{DID: a.DID(), Handle: h, Email: "a@example.com", Status: StatusDeactivated,
		SigningKey: []byte{1, 2, 3}, CreatedAt: time.Unix(1700000000, 0).UTC()}
	err := a.Update(func(tx *AccountTx) error {
		if err := tx.PutAccountState(st); err != nil {
			return err
		}
		if err := tx.PutAppPassword(AppPassword{Name: "phone", Hash: "h", Privileged: true}); err != nil {
			return err
		}
		return tx.SetPreferences([]byte(`{"preferences":[]}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	a.View(func(tx *AccountTx) error {
		got, err := tx.AccountState()
		if err != nil || got.Handle != h || got.Status != StatusDeactivated || !bytes.Equal(got.SigningKey, st.SigningKey) || !got.CreatedAt.Equal(st.CreatedAt) {
			t.Errorf("AccountState = %+v, %v", got, err)
		}
		if p, err := tx.AppPassword("phone"); err != nil || !p.Privileged {
			t.Errorf("AppPassword = %+v, %v", p, err)
		}
		if string(tx.Preferences()) != `{"preferences":[]}` {
			t.Errorf("Preferences = %s", tx.Preferences())
		}
		return nil
	})
	// Repeated reads come from the decoded copy: changing what one read
	// returned does not show in the next, and a stored change does.
	for range 2 {
		a.View(func(tx *AccountTx) error {
			got, _ := tx.AccountState()
			if got.SigningKey[0] != 1 {
				t.Errorf("a read saw an earlier caller's change: %v", got.SigningKey)
			}
			got.SigningKey[0] = 9
			return nil
		})
	}
	a.Update(func(tx *AccountTx) error {
		st.Status = StatusActive
		return tx.PutAccountState(st)
	})
	a.View(func(tx *AccountTx) error {
		if got, _ := tx.AccountState(); got.Status != StatusActive {
			t.Errorf("after an update, Status = %q", got.Status)
		}
		return nil
	})
	err = a.Update(func(tx *AccountTx) error { return tx.DeleteAppPassword("nope") })
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("DeleteAppPassword(nope) = %v", err)
	}
	if StatusDeactivated.Active() || !StatusActive.Active() {
		t.Fatal("Status.Active wrong")
	}
}

func TestBlobRefs(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	b1, b2 := dagcbor.SumRaw([]byte("one")), dagcbor.SumRaw([]byte("two"))
	err := a.Update(func(tx *AccountTx) error {
		for _, b := range []cid.Cid{b1, b2} {
			if err := tx.PutBlob(BlobMeta{CID: b, MimeType: "image/png", Size: 3, Temp: true}); err != nil {
				return err
			}
		}
		if err := tx.AddBlobRef(b1, "app.bsky.feed.post/a"); err != nil {
			return err
		}
		if err := tx.AddBlobRef(b2, "app.bsky.feed.post/a"); err != nil {
			return err
		}
		return tx.AddBlobRef(b1, "app.bsky.feed.post/b")
	})
	if err != nil {
		t.Fatal(err)
	}
	var orphans []cid.Cid
	a.Update(func(tx *AccountTx) error {
		orphans, err = tx.RemoveBlobRefs("app.bsky.feed.post/a")
		return err
	})
	if err != nil || len(orphans) != 1 || !orphans[0].Equals(b2) {
		t.Fatalf("RemoveBlobRefs = %v, %v; want [%s]", orphans, err, b2)
	}
	a.View(func(tx *AccountTx) error {
		if !tx.BlobReferenced(b1) || tx.BlobReferenced(b2) {
			t.Error("BlobReferenced wrong")
		}
		var refs []string
		tx.BlobRefs(cid.Undef, func(b cid.Cid, path string) bool {
			refs = append(refs, b.String()+" "+path)
			return true
		})
		if len(refs) != 1 || refs[0] != b1.String()+" app.bsky.feed.post/b" {
			t.Errorf("BlobRefs = %v", refs)
		}
		m, err := tx.Blob(b2)
		if err != nil || m.MimeType != "image/png" || !m.CID.Equals(b2) {
			t.Errorf("Blob = %+v, %v", m, err)
		}
		n := 0
		tx.ForEachBlob(cid.Undef, func(BlobMeta) bool { n++; return true })
		if n != 2 {
			t.Errorf("ForEachBlob saw %d", n)
		}
		return nil
	})
}

func TestOutbox(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	a.Update(func(tx *AccountTx) error {
		for i := range 5 {
			if n, err := tx.AppendOutbox([]byte{byte(i)}); err != nil || n != uint64(i+1) {
				t.Fatalf("AppendOutbox = %d, %v", n, err)
			}
		}
		return tx.PruneOutbox(2)
	})
	var seqs []uint64
	a.View(func(tx *AccountTx) error {
		if tx.OutboxSeq() != 5 {
			t.Errorf("OutboxSeq = %d", tx.OutboxSeq())
		}
		return tx.Outbox(3, func(seq uint64, ev []byte) error {
			seqs = append(seqs, seq)
			return nil
		})
	})
	if !slices.Equal(seqs, []uint64{4, 5}) {
		t.Fatalf("Outbox(3) = %v", seqs)
	}
}

func TestBackupAndInspect(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	head := Head{Commit: dagcbor.SumCBOR([]byte{1}), Rev: mustTID(t, "3jzfcijpj2z2a"), Data: dagcbor.SumCBOR([]byte{2})}
	a.Update(func(tx *AccountTx) error { return tx.SetHead(head) })
	var buf bytes.Buffer
	if _, err := a.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "restore", "x.db")
	if _, err := CopyFile(dst, bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	info, err := InspectAccountFile(dst)
	if err != nil || info.DID != a.DID() || !info.HasHead || info.Head != head {
		t.Fatalf("InspectAccountFile = %+v, %v", info, err)
	}
	// Truncated and corrupt copies are refused.
	trunc := filepath.Join(t.TempDir(), "trunc.db")
	os.WriteFile(trunc, buf.Bytes()[:buf.Len()/3], 0o600)
	if _, err := InspectAccountFile(trunc); err == nil {
		t.Fatal("InspectAccountFile accepted a truncated file")
	}
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte{0x5a}, 8192), 0o600)
	if _, err := InspectAccountFile(garbage); err == nil {
		t.Fatal("InspectAccountFile accepted garbage")
	}
}

func TestEventLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	l, err := OpenEventLog(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if !l.WasClean() || l.HighWater() != 0 {
		t.Fatalf("new log: clean=%v high=%d", l.WasClean(), l.HighWater())
	}
	alice, bob := mustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), mustDID(t, "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb")
	old := time.Now().Add(-100 * time.Hour)
	commit := dagcbor.SumCBOR([]byte("c"))
	err = l.Append([]LogEntry{
		{Seq: 1, Time: old, DID: alice, Frame: []byte("f1"), OutboxSeq: 1},
		{Seq: 2, Time: old, DID: bob, Frame: []byte("f2")},
		{Seq: 3, Time: time.Now(), DID: alice, Frame: []byte("f3"), OutboxSeq: 2, Commit: commit, Rev: mustTID(t, "3jzfcijpj2z2a")},
		{Seq: 4, Time: time.Now(), DID: alice, Frame: []byte("f4"), SetStatus: true, Status: StatusDeactivated},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append([]LogEntry{{Seq: 4, DID: alice}}); err == nil {
		t.Fatal("Append accepted a seq at the high-water mark")
	}
	evs, err := l.Read(1, 2)
	if err != nil || len(evs) != 2 || evs[0].Seq != 2 || string(evs[1].Frame) != "f3" {
		t.Fatalf("Read(1,2) = %+v, %v", evs, err)
	}
	st, ok, err := l.DIDState(alice)
	if err != nil || !ok || st.LastSeq != 4 || st.OutboxSeq != 2 || !st.Commit.Equals(commit) || st.Status != StatusDeactivated {
		t.Fatalf("DIDState = %+v, %v, %v", st, ok, err)
	}
	n, err := l.Prune(time.Now().Add(-72*time.Hour), 100)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	if first, ok, _ := l.First(); !ok || first.Seq != 3 {
		t.Fatalf("First = %+v", first)
	}
	var dids []string
	l.ForEachDID(atp.DID{}, func(d atp.DID, _ DIDState) bool { dids = append(dids, d.String()); return true })
	if !slices.Equal(dids, []string{alice.String(), bob.String()}) {
		t.Fatalf("ForEachDID = %v", dids)
	}

	// An unclean stop (no Close) is reported on the next open; the
	// high-water mark survives pruning everything.
	l.db.Close()
	l, err = OpenEventLog(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.WasClean() || l.HighWater() != 4 {
		t.Fatalf("reopen: clean=%v high=%d", l.WasClean(), l.HighWater())
	}
	l.Prune(time.Now().Add(time.Hour), 100)
	l.Close()
	l, err = OpenEventLog(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.WasClean() || l.HighWater() != 4 {
		t.Fatalf("reopen after Close: clean=%v high=%d", l.WasClean(), l.HighWater())
	}
	if _, ok, _ := l.First(); ok {
		t.Fatal("log not empty after pruning everything")
	}
}

func TestServerTables(t *testing.T) {
	s, err := OpenServer(filepath.Join(t.TempDir(), "server.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, _ := atp.ParseHandle("alice.test")
	did := mustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	err = s.Update(func(tx *ServerTx) error {
		if err := tx.Put(TableHandles, h.String(), []byte(did.String())); err != nil {
			return err
		}
		return tx.PutJSON(TableInvites, "code-1", map[string]int{"available": 3})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *ServerTx) error {
		if got, err := tx.HandleDID(h); err != nil || got != did {
			t.Errorf("HandleDID = %s, %v", got, err)
		}
		var inv map[string]int
		if err := tx.GetJSON(TableInvites, "code-1", &inv); err != nil || inv["available"] != 3 {
			t.Errorf("GetJSON = %v, %v", inv, err)
		}
		if _, err := tx.EmailDID("x@y"); !errors.Is(err, ErrNotFound) {
			t.Errorf("EmailDID = %v", err)
		}
		if _, err := tx.Get("nope", "x"); err == nil {
			t.Error("Get on an unknown table succeeded")
		}
		return nil
	})
}

func TestCompactAccountFile(t *testing.T) {
	dir := t.TempDir()
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	path := AccountPath(dir, did)
	a, err := CreateAccount(path, did, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rev := mustTID(t, "3jzfcijpj2z2a")
	var keep []byte
	for i := range 2000 {
		data := bytes.Repeat([]byte{byte(i)}, 400)
		c := dagcbor.SumCBOR(append(data, byte(i>>8)))
		a.Update(func(tx *AccountTx) error { return tx.PutBlock(c, data, rev) })
		if i%2 == 0 {
			a.Update(func(tx *AccountTx) error { return tx.DeleteBlock(c) })
		} else {
			keep = data
		}
	}
	a.Close()
	dst := filepath.Join(dir, "compact.db")
	before, after, err := CompactAccountFile(path, dst)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Fatalf("compacted file is %d bytes, original %d", after, before)
	}
	b, err := OpenAccount(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *AccountTx) error {
		if n := tx.BlockCount(); n != 1000 {
			t.Errorf("%d blocks after compaction, want 1000", n)
		}
		return nil
	})
	if b.DID() != did || len(keep) == 0 {
		t.Fatal("compacted file lost its DID")
	}
}

// An account file written by schema 1 is migrated to the current schema
// when opened: the new bucket appears and the old data stays.
func TestAccountMigration(t *testing.T) {
	dir := t.TempDir()
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	path := AccountPath(dir, did)
	old := schema{kind: kindAccount, migrations: accountSchema.migrations[:1]}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := openBolt(path, old, Options{NoSync: true}, accountMmapSize, accountAllocSize)
	if err != nil {
		t.Fatal(err)
	}
	head := Head{Commit: dagcbor.SumCBOR([]byte{1}), Rev: mustTID(t, "3jzfcijpj2z2a"), Data: dagcbor.SumCBOR([]byte{2})}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(metaBucket).Put(metaDIDKey, []byte(did.String())); err != nil {
			return err
		}
		return (&AccountTx{tx: tx}).SetHead(head)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if info, err := InspectAccountFile(path); err != nil || info.Schema != 1 {
		t.Fatalf("before: %+v, %v", info, err)
	}
	a, err := OpenAccount(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	err = a.Update(func(tx *AccountTx) error {
		if h, err := tx.Head(); err != nil || h != head {
			t.Errorf("head after migration: %+v, %v", h, err)
		}
		return tx.SetRecordTakedown("app.bsky.feed.post/a", "ref-1", true)
	})
	if err != nil {
		t.Fatal(err)
	}
	a.View(func(tx *AccountTx) error {
		if ref, ok := tx.RecordTakedown("app.bsky.feed.post/a"); !ok || ref != "ref-1" {
			t.Errorf("RecordTakedown = %q, %v", ref, ok)
		}
		return nil
	})
	if v := AccountSchemaVersion(); v != 2 {
		t.Fatalf("schema version %d", v)
	}
}

// TestAppendOrderedBucketsFillPages writes records under increasing TID
// keys, as posts are written, in many transactions: the record index's
// pages must end up nearly full, not split half full.
func TestAppendOrderedBucketsFillPages(t *testing.T) {
	a := MustAccount(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	clock := atp.NewClock(0, time.Now)
	for batch := range 40 {
		err := a.Update(func(tx *AccountTx) error {
			for i := range 50 {
				c := dagcbor.SumCBOR([]byte{byte(batch), byte(i)})
				if err := tx.PutRecord("app.bsky.feed.post/"+clock.Next().String(), c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var st bolt.BucketStats
	a.View(func(tx *AccountTx) error { st = tx.tx.Bucket(recordsBucket).Stats(); return nil })
	if st.KeyN != 2000 {
		t.Fatalf("%d records, want 2000", st.KeyN)
	}
	fill := float64(st.LeafInuse) / float64(st.LeafAlloc)
	t.Logf("record index: %d leaf pages, %.0f %% in use", st.LeafPageN, 100*fill)
	if fill < 0.8 {
		t.Errorf("record index leaves %.0f %% in use, want at least 80 %%", 100*fill)
	}
}
