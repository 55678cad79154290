package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/boltsky/boltsky/atp/dagcbor"
)

// postCollection is the collection every workload writes.
const postCollection = "app.bsky.feed.post"

// appendPost appends the JSON of a post record of ordinary length whose
// text carries n, so that every record (and its CID) differs.
func appendPost(dst []byte, n int64, now time.Time) []byte {
	dst = append(dst, `{"$type":"app.bsky.feed.post","text":"bench post `...)
	dst = strconv.AppendInt(dst, n, 10)
	dst = append(dst, ` - a post of ordinary length, about as long as most posts are.","createdAt":"`...)
	dst = now.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	return append(dst, `"}`...)
}

// createRecordBody is the input of com.atproto.repo.createRecord for a
// post in repo.
func createRecordBody(dst []byte, repo string, n int64, now time.Time) []byte {
	dst = append(dst, `{"repo":`...)
	dst = strconv.AppendQuote(dst, repo)
	dst = append(dst, `,"collection":"`+postCollection+`","record":`...)
	dst = appendPost(dst, n, now)
	return append(dst, '}')
}

// applyWritesBody is the input of com.atproto.repo.applyWrites creating
// count posts numbered from first.
func applyWritesBody(dst []byte, repo string, first int64, count int, now time.Time) []byte {
	dst = append(dst, `{"repo":`...)
	dst = strconv.AppendQuote(dst, repo)
	dst = append(dst, `,"writes":[`...)
	for i := range count {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"$type":"com.atproto.repo.applyWrites#create","collection":"`+postCollection+`","value":`...)
		dst = appendPost(dst, first+int64(i), now)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// writeResult is the part of a createRecord answer the workloads use.
type writeResult struct {
	URI    string `json:"uri"`
	Commit struct {
		CID string `json:"cid"`
	} `json:"commit"`
}

// commitKey returns the binary form of the commit CID of a write
// answer, the key firehose frames are matched by.
func (w writeResult) commitKey() (string, error) {
	if w.Commit.CID == "" {
		return "", &CallError{Kind: "bad response", Msg: "createRecord: the answer has no commit"}
	}
	c, err := dagcbor.ParseCIDString(w.Commit.CID)
	if err != nil {
		return "", &CallError{Kind: "bad response", Msg: fmt.Sprintf("createRecord: commit cid: %v", err)}
	}
	return c.KeyString(), nil
}

// createPost writes one post to a and returns the answer.
func (p *PDS) createPost(ctx context.Context, a account, n int64) (writeResult, error) {
	var out writeResult
	body := createRecordBody(nil, a.DID, n, time.Now())
	err := p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.repo.createRecord", auth: a.auth, body: body}, &out)
	return out, err
}

// applyPosts writes count posts to a in one applyWrites call and returns
// their record keys.
func (p *PDS) applyPosts(ctx context.Context, a account, first int64, count int) ([]string, error) {
	var out struct {
		Results []struct {
			URI string `json:"uri"`
		} `json:"results"`
	}
	body := applyWritesBody(nil, a.DID, first, count, time.Now())
	if err := p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.repo.applyWrites", auth: a.auth, body: body}, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != count {
		return nil, &CallError{Kind: "bad response", Msg: fmt.Sprintf("applyWrites: %d results for %d writes", len(out.Results), count)}
	}
	rkeys := make([]string, count)
	for i, r := range out.Results {
		rkeys[i] = r.URI[strings.LastIndexByte(r.URI, '/')+1:]
	}
	return rkeys, nil
}

// fillRepo writes n posts to a in applyWrites batches of batch, for a
// workload's setup, and returns their record keys.
func (p *PDS) fillRepo(ctx context.Context, a account, n, batch int) ([]string, error) {
	rkeys := make([]string, 0, n)
	for len(rkeys) < n {
		k := min(batch, n-len(rkeys))
		got, err := p.applyPosts(ctx, a, int64(len(rkeys)), k)
		if err != nil {
			return rkeys, fmt.Errorf("bench: cannot fill a repo on %s: %w", p.Name(), err)
		}
		rkeys = append(rkeys, got...)
	}
	return rkeys, nil
}
