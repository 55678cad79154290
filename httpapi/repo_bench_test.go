package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// rpClients is how many clients the HTTP benchmarks run at once.
const rpClients = 32

// rpParallel runs do b.N times from rpClients goroutines and reports
// requests per second.
func rpParallel(b *testing.B, do func(worker int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, rpClients)
	b.ResetTimer()
	for w := range rpClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := do(w); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// rpSend sends one request and checks for a 200.
func rpSend(client *http.Client, req *http.Request) error {
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", req.URL.Path, res.StatusCode, body)
	}
	return nil
}

// BenchmarkRepoHTTP measures getRecord and createRecord through HTTP on
// loopback from 32 concurrent clients (account files without fsync, as
// in every test node).
func BenchmarkRepoHTTP(b *testing.B) {
	n := mustNode(b, nodeOptions{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * rpClients, MaxIdleConnsPerHost: 2 * rpClients}}
	accts := make([]*testAccount, 8)
	for i := range accts {
		accts[i] = n.mustAccount(b, fmt.Sprintf("user%d.test", i))
	}

	b.Run("getRecord", func(b *testing.B) {
		out := n.rpCreate(b, accts[0], "app.bsky.feed.post", rpPost("a post to read, of ordinary length for a post"))
		uri := rpStr(b, out, "uri")
		q := url.Values{"repo": {accts[0].DID.String()}, "collection": {"app.bsky.feed.post"},
			"rkey": {uri[strings.LastIndexByte(uri, '/')+1:]}}
		target := n.URL + "/xrpc/com.atproto.repo.getRecord?" + q.Encode()
		rpParallel(b, func(int) error {
			req, _ := http.NewRequest("GET", target, nil)
			return rpSend(client, req)
		})
	})

	b.Run("createRecord", func(b *testing.B) {
		bodies := make([][]byte, len(accts))
		for i, a := range accts {
			bodies[i], _ = json.Marshal(map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post",
				"record": rpPost("a new post, of ordinary length for a post")})
		}
		target := n.URL + "/xrpc/com.atproto.repo.createRecord"
		rpParallel(b, func(w int) error {
			a := w % len(accts)
			req, _ := http.NewRequest("POST", target, bytes.NewReader(bodies[a]))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+accts[a].Access)
			return rpSend(client, req)
		})
	})
}
