package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRefusedBodyAnswered sends bodies the server refuses without reading
// them (over their size limit, or sent where none is expected) again and
// again from several keep-alive clients, as Go's client sends them: no
// Expect: 100-continue, the whole body written before the answer is
// read. Every request must get its error answer, never a reset
// connection.
func TestRefusedBodyAnswered(t *testing.T) {
	n := mustNode(t, nodeOptions{blobLimit: 5_000_000})
	a := n.mustAccount(t, "alice.test")
	session := func(pad int) []byte {
		return []byte(`{"identifier":"` + strings.Repeat("a", pad) + `","password":"x"}`)
	}
	jsonType := map[string]string{"Content-Type": "application/json"}
	upload := map[string]string{"Content-Type": "image/png", "Authorization": "Bearer " + a.Access}
	cases := []struct {
		name    string
		method  string
		nsid    string
		header  map[string]string
		body    []byte
		chunked bool
		status  int
		error   string
	}{
		// Bodies of up to 5 MiB are read whole before the handler runs;
		// longer ones are streamed to it.
		{"json over its limit, read whole first", "POST", "com.atproto.server.createSession", jsonType, session(1 << 20), false, 413, "PayloadTooLargeError"},
		{"json over its limit, streamed", "POST", "com.atproto.server.createSession", jsonType, session(6 << 20), false, 413, "PayloadTooLargeError"},
		{"json over its limit, chunked", "POST", "com.atproto.server.createSession", jsonType, session(6 << 20), true, 413, "PayloadTooLargeError"},
		{"blob over its limit", "POST", "com.atproto.repo.uploadBlob", upload, make([]byte, 5_100_000), false, 413, "PayloadTooLarge"},
		{"blob over its limit, chunked", "POST", "com.atproto.repo.uploadBlob", upload, make([]byte, 6<<20), true, 413, "PayloadTooLarge"},
		{"body on a query", "GET", "com.atproto.server.describeServer", jsonType, session(6 << 20), false, 400, "InvalidRequest"},
	}
	const clients, rounds = 3, 6
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			send := func(client *http.Client) error {
				var body io.Reader = bytes.NewReader(c.body)
				if c.chunked {
					body = io.MultiReader(body) // no known length: sent chunked
				}
				req, err := http.NewRequest(c.method, n.URL+"/xrpc/"+c.nsid, body)
				if err != nil {
					return err
				}
				for k, v := range c.header {
					req.Header.Set(k, v)
				}
				res, err := client.Do(req)
				if err != nil {
					return err
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				if err != nil {
					return fmt.Errorf("reading the answer: %w", err)
				}
				var e struct{ Error string }
				if res.StatusCode != c.status || json.Unmarshal(b, &e) != nil || e.Error != c.error {
					return fmt.Errorf("got %d %s, want %d %s", res.StatusCode, b, c.status, c.error)
				}
				return nil
			}
			errs := make(chan error, clients*rounds)
			var wg sync.WaitGroup
			for range clients {
				client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
				t.Cleanup(client.CloseIdleConnections)
				wg.Go(func() {
					for range rounds {
						if err := send(client); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
