package mst_test

import (
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/mst"
	"github.com/ipfs/go-cid"
)

// blockMap is a minimal block store.
type blockMap map[cid.Cid][]byte

func (m blockMap) GetBlock(c cid.Cid) ([]byte, error) {
	if b, ok := m[c]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
}

func Example() {
	store := blockMap{}
	tree := mst.New(store)
	record := dagcbor.SumCBOR([]byte{0xa0}) // the CID of an empty map
	tree.Put("app.bsky.feed.post/3jzfcijpj2z2a", record)
	tree.Put("app.bsky.feed.like/3jzfcijpj2z2b", record)

	// Persist the batch: write the new nodes, drop the orphans.
	ch, _ := tree.Commit()
	for _, b := range ch.Blocks {
		store[b.CID] = b.Data
	}
	for _, c := range ch.Orphans {
		delete(store, c)
	}
	fmt.Println(len(ch.Blocks), "new nodes")

	// Later, from the store alone.
	again := mst.Load(store, ch.Root)
	val, ok, _ := again.Get("app.bsky.feed.post/3jzfcijpj2z2a")
	fmt.Println(ok, val == record)
	again.WalkRange("app.bsky.feed.post/", "app.bsky.feed.post0", func(key string, _ cid.Cid) error {
		fmt.Println(key)
		return nil
	})
	// Output:
	// 1 new nodes
	// true true
	// app.bsky.feed.post/3jzfcijpj2z2a
}
