package identity_test

// Network fakes for tests, all on 127.0.0.1 or in memory: an HTTPS server
// that answers for every host name, an in-memory HTTP transport, and a
// small UDP DNS server for TXT records.

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// newTLSServer starts an HTTPS server on 127.0.0.1 and returns a client
// that sends every request, whatever its host, to that server.
func newTLSServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	client := srv.Client()
	tr := client.Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	// httptest's certificate names example.com; check against that name
	// whatever host the request is for.
	tr.TLSClientConfig = tr.TLSClientConfig.Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	client.Transport = tr
	return srv, client
}

// newHTTPServer starts a plain HTTP server on 127.0.0.1 and returns a
// client that sends every request there.
func newHTTPServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}
}

// memTransport serves every request in memory with h, so that tests in a
// synctest bubble make no network I/O.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// noDNS is a resolver whose every lookup fails at once, without network.
func noDNS() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in this test")
	}}
}

// fakeDNS is a UDP DNS server on 127.0.0.1 that answers TXT questions
// from a table: a name in txt gets its values (an empty list gives an
// empty answer), a name in fail gets SERVFAIL, any other name NXDOMAIN.
type fakeDNS struct {
	conn net.PacketConn

	mu sync.Mutex
	// The fields below are guarded by mu.
	txt     map[string][]string
	fail    map[string]bool
	queries []string
}

func newFakeDNS(t *testing.T) *fakeDNS {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDNS{conn: conn, txt: map[string][]string{}, fail: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.serve()
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
	})
	return d
}

// set gives name (without the final dot) the TXT values vals.
func (d *fakeDNS) set(name string, vals ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txt[strings.ToLower(name)] = vals
}

func (d *fakeDNS) setFail(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail[strings.ToLower(name)] = true
}

// count returns how many questions named name.
func (d *fakeDNS) count(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, q := range d.queries {
		if q == name {
			n++
		}
	}
	return n
}

// resolver returns a net.Resolver that asks this server.
func (d *fakeDNS) resolver() *net.Resolver {
	addr := d.conn.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "udp", addr)
	}}
}

func (d *fakeDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp := d.answer(buf[:n]); resp != nil {
			_, _ = d.conn.WriteTo(resp, from)
		}
	}
}

// answer builds the response to one query, or nil for garbage.
func (d *fakeDNS) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	// Read the question name.
	var labels []string
	i := 12
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	d.mu.Lock()
	d.queries = append(d.queries, name)
	vals, found := d.txt[name]
	failing := d.fail[name]
	d.mu.Unlock()

	const (
		rcodeServFail = 2
		rcodeNXDomain = 3
		typeTXT       = 16
	)
	var rcode uint16
	switch {
	case failing:
		rcode = rcodeServFail
	case !found:
		rcode = rcodeNXDomain
	}
	var answers []string
	if rcode == 0 && qtype == typeTXT {
		answers = vals
	}
	flags := uint16(0x8000|0x0400|0x0080) | binary.BigEndian.Uint16(q[2:])&0x0100 | rcode
	resp := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q))
	resp = binary.BigEndian.AppendUint16(resp, flags)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(answers)))
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = binary.BigEndian.AppendUint16(resp, 0)
	resp = append(resp, question...)
	for _, v := range answers {
		var rdata []byte
		for len(v) > 255 {
			rdata = append(append(rdata, 255), v[:255]...)
			v = v[255:]
		}
		rdata = append(append(rdata, byte(len(v))), v...)
		resp = append(resp, 0xc0, 0x0c) // the question's name
		resp = binary.BigEndian.AppendUint16(resp, typeTXT)
		resp = binary.BigEndian.AppendUint16(resp, 1)  // class IN
		resp = binary.BigEndian.AppendUint32(resp, 60) // TTL
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(rdata)))
		resp = append(resp, rdata...)
	}
	return resp
}
