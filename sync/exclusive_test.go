package sync_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// TestExclusiveCompaction compacts an account file while a writer keeps
// writing to it: writes wait while the file is out of service and carry
// on afterwards, and the repository still verifies.
func TestExclusiveCompaction(t *testing.T) {
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true})
	did, key := n.mustAccount(t, 1)
	ctx := context.Background()
	for i := range 200 {
		if _, err := n.createPost(ctx, t, did, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var writes atomic.Int64
	writerDone := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if _, err := n.createPost(ctx, t, did, fmt.Sprint("during ", i)); err != nil {
				writerDone <- err
				return
			}
			writes.Add(1)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	var before, after int64
	err := n.reg.Exclusive(ctx, did, func(path string) error {
		held, err := kv.InspectAccountFile(path)
		if err != nil {
			return err
		}
		tmp := path + ".compact"
		if before, after, err = kv.CompactAccountFile(path, tmp); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
		now, err := kv.InspectAccountFile(path)
		if err != nil {
			return err
		}
		if now.Head != held.Head {
			return fmt.Errorf("a commit landed while the file was out of service")
		}
		return os.Rename(tmp, path)
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	if writes.Load() == 0 {
		t.Fatal("no writes went through")
	}
	frames := n.allFrames(t)
	states := verifyFirehose(t, frames, map[atp.DID]*crypto.PrivateKey{did: key})
	n.checkRepo(t, did, states[did])
	t.Logf("compacted %d → %d bytes with %d concurrent writes", before, after, writes.Load())
}
