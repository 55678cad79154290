package sync_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// chainState is what a verifying consumer remembers per account.
type chainState struct {
	rev     atp.TID
	data    cid.Cid
	commits int
}

// verifyFirehose checks the log the way a sync 1.1 relay would: seqs are
// contiguous from first, and per account every #commit's slice verifies
// with the account's key, its since is the previous rev, its prevData the
// previous data root, and its ops invert to it. It returns the state per
// account.
func verifyFirehose(tb testing.TB, frames []frame, keys map[atp.DID]*crypto.PrivateKey) map[atp.DID]*chainState {
	tb.Helper()
	states := map[atp.DID]*chainState{}
	verifyFirehoseWith(tb, frames, keys, states)
	return states
}

// verifyFirehoseWith is verifyFirehose continuing from earlier states,
// which it updates.
func verifyFirehoseWith(tb testing.TB, frames []frame, keys map[atp.DID]*crypto.PrivateKey, states map[atp.DID]*chainState) {
	tb.Helper()
	for i, f := range frames {
		if i > 0 && f.seq != frames[i-1].seq+1 {
			tb.Fatalf("seq %d follows %d", f.seq, frames[i-1].seq)
		}
		if f.kind != "#commit" {
			continue
		}
		did, err := atp.ParseDID(f.body["repo"].(string))
		if err != nil {
			tb.Fatal(err)
		}
		st := states[did]
		if st == nil {
			st = &chainState{}
			states[did] = st
		}
		rev, err := atp.ParseTID(f.body["rev"].(string))
		if err != nil {
			tb.Fatal(err)
		}
		if !st.rev.IsZero() {
			if since, _ := f.body["since"].(string); since != st.rev.String() {
				tb.Fatalf("seq %d: since %v, previous rev %s", f.seq, f.body["since"], st.rev)
			}
			if rev.Compare(st.rev) <= 0 {
				tb.Fatalf("seq %d: rev %s does not follow %s", f.seq, rev, st.rev)
			}
			if prev := link(tb, f.body["prevData"]); !prev.Equals(st.data) {
				tb.Fatalf("seq %d: prevData %s, previous data %s", f.seq, prev, st.data)
			}
		} else if f.body["since"] != nil {
			if _, ok := f.body["prevData"]; !ok {
				tb.Fatalf("seq %d: first commit seen has since but no prevData", f.seq)
			}
		}
		var ops []repo.Op
		for _, o := range f.body["ops"].([]any) {
			m := o.(map[string]any)
			op := repo.Op{Action: repo.Action(m["action"].(string)), Path: m["path"].(string)}
			if c, ok := m["cid"].(cid.Cid); ok {
				op.CID = c
			}
			if p, ok := m["prev"]; ok {
				op.Prev = link(tb, p)
			}
			ops = append(ops, op)
		}
		prevData := st.data
		if p, ok := f.body["prevData"]; ok {
			prevData = link(tb, p)
		}
		var pub *crypto.PublicKey
		if k := keys[did]; k != nil {
			pub = k.Public()
		}
		if prevData.Defined() || len(ops) > 0 {
			commit, err := repo.VerifySlice(f.body["blocks"].([]byte), link(tb, f.body["commit"]), rev, ops, prevData, pub)
			if err != nil {
				tb.Fatalf("seq %d (%s): %v", f.seq, did, err)
			}
			st.data = commit.Data
		} else {
			// A genesis commit: an empty tree with nothing to invert to.
			if _, err := repo.VerifySlice(f.body["blocks"].([]byte), link(tb, f.body["commit"]), rev, nil, emptyRoot(tb), pub); err != nil {
				tb.Fatalf("seq %d (%s): genesis: %v", f.seq, did, err)
			}
			st.data = emptyRoot(tb)
		}
		st.rev = rev
		st.commits++
	}
}

// emptyRoot returns the data root of an empty repository.
func emptyRoot(tb testing.TB) cid.Cid {
	tb.Helper()
	root, err := mst.New(nil).Root()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// checkRepo verifies did's stored repository: the head matches the last
// firehose state, every node and record is present and the MST holds
// exactly the record index.
func (n *node) checkRepo(tb testing.TB, did atp.DID, want *chainState) {
	tb.Helper()
	err := n.reg.View(context.Background(), did, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		if want != nil && (head.Rev != want.rev || !head.Data.Equals(want.data)) {
			return fmt.Errorf("head %s/%s, firehose says %s/%s", head.Rev, head.Data, want.rev, want.data)
		}
		bg := txBlocks{tx}
		if err := mst.Verify(bg, head.Data); err != nil {
			return err
		}
		index := map[string]cid.Cid{}
		tx.ForEachRecord(func(path string, c cid.Cid) error {
			index[path] = c
			return nil
		})
		seen := 0
		err = mst.Load(bg, head.Data).Walk(func(key string, val cid.Cid) error {
			if !index[key].Equals(val) {
				return fmt.Errorf("MST has %s=%s, index has %v", key, val, index[key])
			}
			if !tx.HasBlock(val) {
				return fmt.Errorf("record block %s of %s is missing", val, key)
			}
			seen++
			return nil
		})
		if err != nil {
			return err
		}
		if seen != len(index) {
			return fmt.Errorf("MST has %d records, index %d", seen, len(index))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("%s: %v", did, err)
	}
}

type txBlocks struct{ tx *kv.AccountTx }

func (b txBlocks) GetBlock(c cid.Cid) ([]byte, error) {
	data, err := b.tx.Block(c)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, mst.ErrBlockNotFound
	}
	return data, err
}

// TestConcurrentWritersOneAccount: 64 goroutines × 100 writes to one
// account give 6,400 commits forming one chain.
func TestConcurrentWritersOneAccount(t *testing.T) {
	testConcurrentWriters(t, 1, 64, 100)
}

// TestConcurrentWritersManyAccounts: the same load spread over 64 accounts.
func TestConcurrentWritersManyAccounts(t *testing.T) {
	testConcurrentWriters(t, 64, 64, 100)
}

func testConcurrentWriters(t *testing.T, accounts, writers, perWriter int) {
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true})
	keys := map[atp.DID]*crypto.PrivateKey{}
	var dids []atp.DID
	for i := range accounts {
		did, key := n.mustAccount(t, i)
		keys[did] = key
		dids = append(dids, did)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			did := dids[w%len(dids)]
			for i := range perWriter {
				if _, err := n.createPost(ctx, t, did, fmt.Sprintf("writer %d post %d", w, i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	frames := n.allFrames(t)
	states := verifyFirehose(t, frames, keys)
	total := 0
	for _, did := range dids {
		st := states[did]
		total += st.commits - 1 // minus the genesis commit
		n.checkRepo(t, did, st)
	}
	if total != writers*perWriter {
		t.Fatalf("%d commits on the firehose, want %d", total, writers*perWriter)
	}
	t.Logf("verified %d commits over %d accounts, %d frames", total, accounts, len(frames))
}
