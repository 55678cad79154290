package bench_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkClientOverhead compares the CPU the two candidate HTTP
// clients spend per getRecord call, from 32 goroutines against a real
// node: on a 2-core machine the client shares the cores with the server,
// so a client that spends more per call lowers the server's numbers.
// It reports calls per second, the client's CPU per call (this process)
// and the server's (its /proc stat).
func BenchmarkClientOverhead(b *testing.B) {
	n := mustNode(b)
	target := n.Target.URL + "/xrpc/com.atproto.repo.getRecord?" + benchRecord(b, n.Target.URL).Encode()
	const clients = 32

	b.Run("fasthttp", func(b *testing.B) {
		u, _ := url.Parse(n.Target.URL)
		hc := &fasthttp.HostClient{Addr: u.Host, MaxConns: 1024}
		defer hc.CloseIdleConnections()
		measureCalls(b, n.Target.PID, clients, func() error {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(target)
			if err := hc.DoTimeout(req, resp, 10*time.Second); err != nil {
				return err
			}
			if resp.StatusCode() != 200 {
				return fmt.Errorf("HTTP %d", resp.StatusCode())
			}
			return nil
		})
	})

	b.Run("net-http", func(b *testing.B) {
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}
		defer client.CloseIdleConnections()
		measureCalls(b, n.Target.PID, clients, func() error {
			res, err := client.Get(target)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				return err
			}
			if res.StatusCode != 200 {
				return fmt.Errorf("HTTP %d", res.StatusCode)
			}
			return nil
		})
	})
}

// measureCalls runs call b.N times from clients goroutines and reports
// calls/s and the CPU per call of this process and of process pid.
func measureCalls(b *testing.B, pid, clients int, call func() error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	selfBefore, serverBefore := cpuSelf(b), cpuOf(b, pid)
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := call(); err != nil {
					failed.Store(&err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	self, server := cpuSelf(b)-selfBefore, cpuOf(b, pid)-serverBefore
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64(self.Microseconds())/float64(b.N), "client-µs/call")
	b.ReportMetric(float64(server.Microseconds())/float64(b.N), "server-µs/call")
}

// cpuSelf is the user and system CPU time of this process.
func cpuSelf(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf is the user and system CPU time of process pid, from
// /proc/PID/stat (in clock ticks of 10ms).
func cpuOf(tb testing.TB, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// benchRecord creates an account with one post on the node at base and
// returns the getRecord parameters of the post.
func benchRecord(tb testing.TB, base string) url.Values {
	tb.Helper()
	post := func(nsid, auth string, in any, out any) {
		body, _ := json.Marshal(in)
		req, _ := http.NewRequest("POST", base+"/xrpc/"+nsid, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			tb.Fatalf("%s: HTTP %d %s", nsid, res.StatusCode, b)
		}
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatal(err)
		}
	}
	var acct struct{ DID, AccessJwt string }
	post("com.atproto.server.createAccount", "", map[string]any{"handle": "reader.test", "email": "reader@test.com", "password": "reader-password"}, &acct)
	var rec struct{ URI string }
	post("com.atproto.repo.createRecord", acct.AccessJwt, map[string]any{"repo": acct.DID, "collection": "app.bsky.feed.post",
		"record": map[string]any{"$type": "app.bsky.feed.post", "text": "a post to read, of ordinary length for a post", "createdAt": "2026-01-01T00:00:00.000Z"}}, &rec)
	return url.Values{"repo": {acct.DID}, "collection": {"app.bsky.feed.post"}, "rkey": {rec.URI[strings.LastIndexByte(rec.URI, '/')+1:]}}
}
