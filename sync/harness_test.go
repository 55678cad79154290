package sync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	pdssync "github.com/boltsky/boltsky/sync"
)

// node is an in-process storage stack: event log, sequencer and registry
// over one data directory.
type node struct {
	dir string
	log *kv.EventLog
	seq *pdssync.Sequencer
	reg *actor.Registry
	// recovered is what the recovery sweep at open did.
	recovered pdssync.RecoveryStats
}

type nodeOptions struct {
	noSync   bool
	maxOpen  int
	idle     time.Duration
	maxLag   uint64
	queue    int
	ringSize int
}

// openKey reads a signing key stored as its multibase export; tests keep
// keys unsealed.
func openKey(sealed []byte) (*crypto.PrivateKey, error) {
	return crypto.ParsePrivateKeyMultibase(string(sealed))
}

// MustNode opens a node over dir, running recovery if the log was not
// closed cleanly.
func MustNode(tb testing.TB, dir string, o nodeOptions) *node {
	tb.Helper()
	n, err := openNode(dir, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.close() })
	return n
}

func openNode(dir string, o nodeOptions) (*node, error) {
	opts := kv.Options{NoSync: o.noSync}
	log, err := kv.OpenEventLog(filepath.Join(dir, "events.db"), opts)
	if err != nil {
		return nil, err
	}
	seq, err := pdssync.New(pdssync.Config{Log: log, MaxLag: o.maxLag, QueueSize: o.queue, RingSize: o.ringSize})
	if err != nil {
		return nil, err
	}
	seq.Start()
	reg, err := actor.NewRegistry(actor.Config{DataDir: dir, Storage: opts, OpenKey: openKey, Sequencer: seq,
		MaxOpenFiles: o.maxOpen, IdleTimeout: o.idle})
	if err != nil {
		return nil, err
	}
	reg.Start()
	n := &node{dir: dir, log: log, seq: seq, reg: reg}
	if !log.WasClean() {
		if n.recovered, err = seq.Recover(context.Background(), reg); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *node) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n.reg.Close(ctx)
	n.seq.Close(ctx)
	n.log.Close()
}

// mustAccount creates an active account with a fresh K-256 key.
func (n *node) mustAccount(tb testing.TB, i int) (atp.DID, *crypto.PrivateKey) {
	tb.Helper()
	did, err := atp.ParseDID(fmt.Sprintf("did:plc:%024d", i))
	if err != nil {
		tb.Fatal(err)
	}
	key, err := crypto.GeneratePrivateKey(crypto.K256, rand.NewChaCha8([32]byte{byte(i), byte(i >> 8)}))
	if err != nil {
		tb.Fatal(err)
	}
	h, _ := atp.ParseHandle(fmt.Sprintf("user%d.test", i))
	_, err = n.reg.Create(context.Background(), actor.NewAccount{
		State:    kv.AccountState{DID: did, Handle: h, SigningKey: []byte(key.ExportMultibase()), CreatedAt: time.Now()},
		Key:      key,
		Announce: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return did, key
}

var postNSID, _ = atp.ParseNSID("app.bsky.feed.post")

func post(tb testing.TB, text string) []byte {
	tb.Helper()
	b, err := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-01-01T00:00:00.000Z"})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// createPost writes one post with a fresh record key.
func (n *node) createPost(ctx context.Context, tb testing.TB, did atp.DID, text string) (*actor.WriteResult, error) {
	return n.reg.Write(ctx, did, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: postNSID, Record: post(tb, text),
	}}})
}

// frame is a decoded firehose frame.
type frame struct {
	seq    uint64
	kind   string
	header map[string]any
	body   map[string]any
}

func decodeFrame(tb testing.TB, data []byte) frame {
	tb.Helper()
	r := dagcbor.NewReader(data)
	if err := r.Skip(); err != nil {
		tb.Fatalf("frame header: %v", err)
	}
	hdr, err := dagcbor.Unmarshal(data[:r.Offset()])
	if err != nil {
		tb.Fatal(err)
	}
	body, err := dagcbor.Unmarshal(data[r.Offset():])
	if err != nil {
		tb.Fatalf("frame body: %v", err)
	}
	f := frame{header: hdr.(map[string]any), body: body.(map[string]any)}
	f.kind, _ = f.header["t"].(string)
	if s, ok := f.body["seq"].(int64); ok {
		f.seq = uint64(s)
	}
	return f
}

// allFrames reads every frame in the log.
func (n *node) allFrames(tb testing.TB) []frame {
	tb.Helper()
	var out []frame
	var after uint64
	for {
		evs, err := n.log.Read(after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		for _, ev := range evs {
			f := decodeFrame(tb, ev.Frame)
			if f.seq != ev.Seq {
				tb.Fatalf("frame seq %d stored under %d", f.seq, ev.Seq)
			}
			out = append(out, f)
			after = ev.Seq
		}
	}
}

func link(tb testing.TB, v any) cid.Cid {
	tb.Helper()
	c, ok := v.(cid.Cid)
	if !ok {
		tb.Fatalf("%v is not a link", v)
	}
	return c
}
