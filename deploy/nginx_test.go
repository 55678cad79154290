package deploy

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Certificate paths nginx.conf names on a production machine.
const (
	nginxCert = "/etc/letsencrypt/live/pds.example.com/fullchain.pem"
	nginxKey  = "/etc/letsencrypt/live/pds.example.com/privkey.pem"
)

// nginxSite is a copy of nginx.conf inside a wrapper configuration that
// nginx can load as a whole: the http block, and paths (pid, logs,
// temporary files, the certificate) in a temporary directory.
type nginxSite struct {
	dir  string // holds nginx.conf (the wrapper) and everything else
	conf string // the wrapper's path
	log  string // the error log
}

// newNginxSite writes the wrapper around site, the content of
// nginx.conf, with a new self-signed certificate in place of the
// production one.
func newNginxSite(t *testing.T, site string) nginxSite {
	t.Helper()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	mustSelfSignedCert(t, cert, key, "pds.example.com", "*.pds.example.com")
	site = replaceOnce(t, site, nginxCert, cert, "nginx.conf")
	site = replaceOnce(t, site, nginxKey, key, "nginx.conf")
	writeFile(t, filepath.Join(dir, "boltsky.conf"), site, 0o644)
	s := nginxSite{dir: dir, conf: filepath.Join(dir, "nginx.conf"), log: filepath.Join(dir, "error.log")}
	var temps strings.Builder
	for _, name := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&temps, "\t%s_temp_path %s;\n", name, filepath.Join(dir, name))
	}
	writeFile(t, s.conf, fmt.Sprintf(`# Test wrapper: the http block around deploy/nginx.conf.
pid %s;
error_log %s;
worker_processes 1;
events {
	worker_connections 64;
}
http {
	access_log off;
%s	include %s;
}
`, filepath.Join(dir, "nginx.pid"), s.log, temps.String(), filepath.Join(dir, "boltsky.conf")), 0o644)
	return s
}

// args are nginx's command-line arguments for this site: its prefix,
// configuration and error log (which nginx opens before reading the
// configuration).
func (s nginxSite) args(extra ...string) []string {
	return append([]string{"-p", s.dir, "-c", s.conf, "-e", s.log}, extra...)
}

// TestNginxConfig runs nginx -t on nginx.conf inside a wrapper http block
// with a self-signed certificate.
func TestNginxConfig(t *testing.T) {
	nginx := needTool(t, "nginx", "nginx")
	s := newNginxSite(t, readFile(t, "nginx.conf"))
	out, err := runTool(t, s.dir, nil, nginx, s.args("-t")...)
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "[warn]") {
			t.Logf("nginx -t: %s", line)
		}
	}
}

// TestNginxLimits checks that the request body limit admits the largest
// uploads: blobs up to the example's blob_upload_limit and importRepo
// CARs up to boltsky's 1 GiB.
func TestNginxLimits(t *testing.T) {
	m := regexp.MustCompile(`(?m)^\s*client_max_body_size\s+(\d+)([kKmMgG]?);`).FindStringSubmatch(readFile(t, "nginx.conf"))
	if m == nil {
		t.Fatal("nginx.conf sets no client_max_body_size (nginx's default, 1 MB, refuses blobs)")
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	n <<= map[string]uint{"": 0, "k": 10, "m": 20, "g": 30}[strings.ToLower(m[2])]
	blob, _ := loadExample(t)["blob_upload_limit"].(int64)
	const importLimit = 1 << 30
	if n < importLimit || n < blob {
		t.Errorf("nginx.conf: client_max_body_size is %d bytes, want at least %d (importRepo) and %d (blob_upload_limit)", n, importLimit, blob)
	}
	listen := loadExample(t)["listen"].(string)
	if !strings.Contains(readFile(t, "nginx.conf"), "server "+listen+";") {
		t.Errorf("nginx.conf: the upstream is not the example's listen address %s", listen)
	}
}

// TestNginxProxies runs nginx with nginx.conf in front of a stand-in for
// boltsky and checks what the node relies on: the Host header reaches it
// (handles resolve by it), the firehose websocket upgrades and streams
// frames as they come, /metrics and /admin/ are refused, plain http redirects to
// https. Only the listen ports, the upstream address and the certificate
// differ from the file.
func TestNginxProxies(t *testing.T) {
	nginx := needTool(t, "nginx", "nginx")
	var hits atomic.Int64
	type seen struct{ host, proto, upgrade, connection string }
	seenc := make(chan seen, 16)
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		seenc <- seen{r.Host, r.Header.Get("X-Forwarded-Proto"), r.Header.Get("Upgrade"), r.Header.Get("Connection")}
		if r.URL.Path != "/xrpc/com.atproto.sync.subscribeRepos" {
			io.WriteString(w, "ok")
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("cannot hijack: %v", err)
			return
		}
		defer conn.Close()
		// A frame, then the connection stays open: the client must get
		// the frame now, not when the stream ends.
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nframe-1")
		rw.Flush()
		<-release
	}))
	defer upstream.Close()
	defer close(release)

	httpPort, httpsPort := freePort(t), freePort(t)
	site := readFile(t, "nginx.conf")
	listen := loadExample(t)["listen"].(string)
	site = replaceOnce(t, site, "server "+listen+";", "server "+upstream.Listener.Addr().String()+";", "nginx.conf")
	site = replaceOnce(t, site, "\tlisten 80;\n", fmt.Sprintf("\tlisten 127.0.0.1:%d;\n", httpPort), "nginx.conf")
	site = replaceOnce(t, site, "\tlisten [::]:80;\n", "", "nginx.conf")
	site = replaceOnce(t, site, "\tlisten 443 ssl http2;\n", fmt.Sprintf("\tlisten 127.0.0.1:%d ssl http2;\n", httpsPort), "nginx.conf")
	site = replaceOnce(t, site, "\tlisten [::]:443 ssl http2;\n", "", "nginx.conf")
	s := newNginxSite(t, site)
	cmd := exec.Command(nginx, s.args("-g", "daemon off;")...)
	cmd.Dir = s.dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start nginx: %v", err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) // fast shutdown: the master stops its workers
		cmd.Wait()
	}()
	waitListening(t, httpsPort, s.log)

	tlsConfig := &tls.Config{InsecureSkipVerify: true, ServerName: "alice.pds.example.com"}
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: tlsConfig},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(url, host string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Host = host
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s (Host %s): %v\nnginx: %s", url, host, err, out.String())
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	base := fmt.Sprintf("https://127.0.0.1:%d", httpsPort)

	t.Run("host", func(t *testing.T) {
		res := get(base+"/.well-known/atproto-did", "alice.pds.example.com")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		got := <-seenc
		if got.host != "alice.pds.example.com" || got.proto != "https" {
			t.Errorf("boltsky saw Host %q, X-Forwarded-Proto %q; want alice.pds.example.com, https", got.host, got.proto)
		}
		if got.upgrade != "" || strings.EqualFold(got.connection, "upgrade") {
			t.Errorf("a plain request went upstream with Upgrade %q, Connection %q", got.upgrade, got.connection)
		}
	})

	t.Run("private", func(t *testing.T) {
		before := hits.Load()
		for _, path := range []string{"/metrics", "//metrics", "/%6Detrics", "/admin", "/admin/backup?did=did:plc:x", "//admin/restore"} {
			if res := get(base+path, "pds.example.com"); res.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s: status %d, want 403", path, res.StatusCode)
			}
		}
		if hits.Load() != before {
			t.Error("a private request reached boltsky")
		}
	})

	t.Run("redirect", func(t *testing.T) {
		res := get(fmt.Sprintf("http://127.0.0.1:%d/xrpc/_health?x=1", httpPort), "pds.example.com")
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusMovedPermanently || loc != "https://pds.example.com/xrpc/_health?x=1" {
			t.Errorf("plain http: status %d, Location %q; want 301 to https://pds.example.com/xrpc/_health?x=1", res.StatusCode, loc)
		}
	})

	t.Run("firehose", func(t *testing.T) {
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", httpsPort), &tls.Config{InsecureSkipVerify: true, ServerName: "pds.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, "GET /xrpc/com.atproto.sync.subscribeRepos?cursor=0 HTTP/1.1\r\nHost: pds.example.com\r\n"+
			"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no upgrade response: %v", err)
		}
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", res.StatusCode)
		}
		got := <-seenc
		if !strings.EqualFold(got.upgrade, "websocket") || !strings.EqualFold(got.connection, "upgrade") {
			t.Errorf("boltsky saw Upgrade %q, Connection %q; want websocket, upgrade", got.upgrade, got.connection)
		}
		frame := make([]byte, len("frame-1"))
		if _, err := io.ReadFull(br, frame); err != nil || string(frame) != "frame-1" {
			t.Errorf("first frame: %q, %v; want it while the stream is open", frame, err)
		}
	})
}

// mustSelfSignedCert writes a self-signed certificate for names and its
// key as PEM files.
func mustSelfSignedCert(tb testing.TB, certPath, keyPath string, names ...string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts on the loopback port,
// failing with nginx's error log after 10 s.
func waitListening(t *testing.T, port int, errorLog string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(errorLog)
			t.Fatalf("nginx is not listening on %d: %v\nerror log:\n%s", port, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
