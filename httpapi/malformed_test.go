package httpapi_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// malformedBugs turns the known server bugs of testdata/malformed into
// failures; by default they are only logged.
var malformedBugs = flag.Bool("malformed.bugs", false, "report the knownServerBugs of testdata/malformed as failures")

// malformedTimeout bounds every request of the table: a hang is a failure.
const malformedTimeout = 10 * time.Second

// malformedCase is one bad request from testdata/malformed/*.json and the
// answer the reference PDS (@atproto/pds) gives to it; Note says where in
// the reference that answer comes from.
//
// Paths, header values and bodies may hold placeholders, replaced before
// the request is sent: $DID, $HANDLE and $BOB_DID name the two accounts;
// $ACCESS, $REFRESH and $BOB_ACCESS are their session tokens; $ADMIN and
// $ADMIN_WRONG are Basic credentials with the right and a wrong admin
// password; the other tokens are minted here with the node's session
// secret unless said otherwise: $APPPASS (app-password scope),
// $TAKENDOWN_SCOPE, $QUEUED_SCOPE, $BAD_SCOPE (unknown scope),
// $EXPIRED_ACCESS, $EXPIRED_REFRESH, $FORGED and $FORGED_REFRESH (signed
// with another secret), $ALG_NONE (unsigned), $OTHER_AUD (another
// audience), $NO_TYP (no typ header), $NO_JTI_REFRESH, $UNKNOWN_REFRESH
// (a token id the server never issued), $LXM_ACCESS (with an lxm claim)
// and $SUB_NOT_DID.
type malformedCase struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	// Body is a JSON string (sent as it is, after placeholders) or any
	// other JSON value (sent compacted); absent means no body.
	Body json.RawMessage `json:"body"`
	// Pad is the length of the run of "a" that replaces $PAD in the body.
	Pad    int    `json:"pad"`
	Status int    `json:"status"`
	Error  string `json:"error"`
	Note   string `json:"note"`
	// Actual is, for a known server bug, what boltsky answered when the
	// case was recorded.
	Actual string `json:"actual"`

	file string
}

// malformedFile is one file of testdata/malformed.
type malformedFile struct {
	Doc             string          `json:"doc"`
	Cases           []malformedCase `json:"cases"`
	KnownServerBugs []malformedCase `json:"knownServerBugs"`
}

// loadMalformed reads every case file, checking that names are unique and
// the fields needed are there.
func loadMalformed(tb testing.TB) (cases, bugs []malformedCase) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no case files in testdata/malformed: %v", err)
	}
	seen := map[string]bool{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var f malformedFile
		if err := dec.Decode(&f); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		base := strings.TrimSuffix(filepath.Base(name), ".json")
		for i, list := range [][]malformedCase{f.Cases, f.KnownServerBugs} {
			for _, c := range list {
				c.file = base
				key := base + "/" + c.Name
				switch {
				case c.Name == "" || c.Method == "" || !strings.HasPrefix(c.Path, "/") || c.Status == 0 || c.Note == "":
					tb.Fatalf("%s: case %q lacks name, method, path, status or note", name, c.Name)
				case seen[key]:
					tb.Fatalf("%s: case %q appears twice", name, c.Name)
				case i == 1 && c.Actual == "":
					tb.Fatalf("%s: known server bug %q does not say what boltsky answers", name, c.Name)
				}
				seen[key] = true
				if i == 0 {
					cases = append(cases, c)
				} else {
					bugs = append(bugs, c)
				}
			}
		}
	}
	return cases, bugs
}

// malformedEnv is the node the table runs against and the values its
// placeholders stand for.
type malformedEnv struct {
	base   *url.URL
	client *http.Client
	// subst replaces the placeholders with their values.
	subst *strings.Replacer
}

// mustMalformedEnv starts a node with two accounts and mints the tokens
// the placeholders name.
func mustMalformedEnv(tb testing.TB) *malformedEnv {
	tb.Helper()
	// The blob limit is the one the reference was measured with.
	n := mustNode(tb, nodeOptions{blobLimit: 5_000_000})
	alice := n.mustAccount(tb, "alice.test")
	bob := n.mustAccount(tb, "bob.test")
	base, err := url.Parse(n.URL)
	if err != nil {
		tb.Fatal(err)
	}

	secret := bytes.Repeat([]byte{9}, 32) // the session secret of mustNode
	other := []byte("another-secret-another-secret-xx")
	now := time.Now().Unix()
	const aud = "did:web:localhost"
	claims := func(scope string, extra jwt.MapClaims) jwt.MapClaims {
		c := jwt.MapClaims{"scope": scope, "aud": aud, "sub": alice.DID.String(), "iat": now, "exp": now + 3600}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	sign := func(typ string, c jwt.MapClaims, key []byte) string {
		t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		if typ == "" {
			delete(t.Header, "typ")
		} else {
			t.Header["typ"] = typ
		}
		s, err := t.SignedString(key)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	access := func(extra jwt.MapClaims) string {
		return sign("at+jwt", claims("com.atproto.access", extra), secret)
	}
	refresh := func(key []byte) string {
		return sign("refresh+jwt", claims("com.atproto.refresh", jwt.MapClaims{"jti": randomJTI(tb), "exp": now + 86400}), key)
	}
	expired := jwt.MapClaims{"iat": now - 7200, "exp": now - 3600}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims("com.atproto.access", nil))
	none.Header["typ"] = "at+jwt"
	algNone, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		tb.Fatal(err)
	}
	expiredRefresh := sign("refresh+jwt", claims("com.atproto.refresh", jwt.MapClaims{"jti": randomJTI(tb), "iat": now - 7200, "exp": now - 3600}), secret)

	values := map[string]string{
		"$ACCESS":          alice.Access,
		"$REFRESH":         alice.Refresh,
		"$BOB_ACCESS":      bob.Access,
		"$APPPASS":         sign("at+jwt", claims("com.atproto.appPass", nil), secret),
		"$EXPIRED_ACCESS":  access(expired),
		"$EXPIRED_REFRESH": expiredRefresh,
		"$FORGED":          sign("at+jwt", claims("com.atproto.access", nil), other),
		"$FORGED_REFRESH":  refresh(other),
		"$ALG_NONE":        algNone,
		"$OTHER_AUD":       access(jwt.MapClaims{"aud": "did:web:other.example"}),
		"$NO_TYP":          sign("", claims("com.atproto.access", nil), secret),
		"$NO_JTI_REFRESH":  sign("refresh+jwt", claims("com.atproto.refresh", jwt.MapClaims{"exp": now + 86400}), secret),
		"$UNKNOWN_REFRESH": refresh(secret),
		"$LXM_ACCESS":      access(jwt.MapClaims{"lxm": "com.atproto.server.getSession"}),
		"$BAD_SCOPE":       sign("at+jwt", claims("com.atproto.bogus", nil), secret),
		"$TAKENDOWN_SCOPE": sign("at+jwt", claims("com.atproto.takendown", nil), secret),
		"$QUEUED_SCOPE":    sign("at+jwt", claims("com.atproto.signupQueued", nil), secret),
		"$SUB_NOT_DID":     access(jwt.MapClaims{"sub": "alice"}),
		"$ADMIN":           "Basic " + basic("admin", n.AdminPassword),
		"$ADMIN_WRONG":     "Basic " + basic("admin", "wrong"),
		"$DID":             alice.DID.String(),
		"$HANDLE":          alice.Handle.String(),
		"$BOB_DID":         bob.DID.String(),
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	// Longest first, so that $ADMIN does not eat the start of $ADMIN_WRONG.
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, k, values[k])
	}
	return &malformedEnv{base: base, client: &http.Client{Timeout: malformedTimeout}, subst: strings.NewReplacer(pairs...)}
}

func randomJTI(tb testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// expand replaces the placeholders in s.
func (e *malformedEnv) expand(s string) string {
	return e.subst.Replace(s)
}

// body returns the request body of c, or nil for none.
func (e *malformedEnv) body(c malformedCase) ([]byte, error) {
	raw := bytes.TrimSpace(c.Body)
	if len(raw) == 0 {
		return nil, nil
	}
	var text string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, err
		}
	} else {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, err
		}
		text = buf.String()
	}
	text = e.expand(text)
	if c.Pad > 0 {
		text = strings.ReplaceAll(text, "$PAD", strings.Repeat("a", c.Pad))
	}
	return []byte(text), nil
}

// send makes the request of c exactly as written: the path and query go
// on the request line without being re-encoded.
func (e *malformedEnv) send(c malformedCase) (response, error) {
	body, err := e.body(c)
	if err != nil {
		return response{}, fmt.Errorf("bad body in the case file: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), malformedTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, e.base.String(), r)
	if err != nil {
		return response{}, err
	}
	path, query, _ := strings.Cut(e.expand(c.Path), "?")
	req.URL.Opaque = path
	req.URL.RawQuery = query
	for k, v := range c.Headers {
		req.Header.Set(k, e.expand(v))
	}
	res, err := e.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// check sends c and returns every way the answer differs from the one
// c expects, or breaks the rules every answer keeps: no 5xx (unless
// expected), an answer within the timeout, and an error body {"error",
// "message"?} sent as application/json.
func (e *malformedEnv) check(c malformedCase) []string {
	start := time.Now()
	r, err := e.send(c)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
			return []string{fmt.Sprintf("no answer within %v", malformedTimeout)}
		}
		return []string{err.Error()}
	}
	var problems []string
	if time.Since(start) > malformedTimeout {
		problems = append(problems, fmt.Sprintf("answered after %v", time.Since(start)))
	}
	if r.Status >= 500 && r.Status != c.Status {
		problems = append(problems, fmt.Sprintf("server error %d", r.Status))
	}
	name := ""
	if r.Status >= 400 {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			problems = append(problems, fmt.Sprintf("error Content-Type %q, want application/json", r.Header.Get("Content-Type")))
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			problems = append(problems, "error body is not a JSON object")
		} else {
			name, _ = body["error"].(string)
			if name == "" {
				problems = append(problems, `error body has no "error" string`)
			}
			if m, ok := body["message"]; ok {
				if _, isString := m.(string); !isString {
					problems = append(problems, `error body "message" is not a string`)
				}
			}
			for k := range body {
				if k != "error" && k != "message" {
					problems = append(problems, fmt.Sprintf("error body has an extra field %q", k))
				}
			}
		}
	}
	if r.Status != c.Status || c.Error != "" && name != c.Error {
		problems = append(problems, fmt.Sprintf("got %d %s, want %d %s (reference: %s)", r.Status, name, c.Status, c.Error, c.Note))
	}
	if len(problems) > 0 {
		body := r.Body
		if len(body) > 300 {
			body = body[:300]
		}
		problems = append(problems, fmt.Sprintf("body: %s", body))
	}
	return problems
}

// intentionalDifference is a bad request that boltsky answers otherwise
// than the reference on purpose. The case keeps the reference's answer
// (Status, Error, Note) for the record; boltsky's own answer is asserted
// instead, so that a change to it still fails.
type intentionalDifference struct {
	malformedCase
	// boltskyStatus and boltskyError are the answer boltsky gives.
	boltskyStatus int
	boltskyError  string
	// reason says why boltsky keeps it.
	reason string
}

// intentionalDifferences lists the cases of the table where boltsky
// differs from the reference on purpose. file names the case file the
// case would belong to.
func intentionalDifferences() []intentionalDifference {
	quoted := func(body string) json.RawMessage {
		b, _ := json.Marshal(body)
		return b
	}
	jsonType := map[string]string{"Content-Type": "application/json"}
	deep := `{"identifier":"nobody.test","password":"x","z":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + "}"
	const unknownMethod = "XRPC (spec, Summary of HTTP Status Codes) and PROTOCOL.md 9.1: an unknown method is 501 MethodNotImplemented. " +
		"The reference answers 400 only because its catch-all hands every unknown method to its app view proxy, and no app view was configured; " +
		"boltsky proxies too when an app view is configured or atproto-proxy names a service"
	return []intentionalDifference{
		{
			malformedCase: malformedCase{file: "extra", Name: "deeply nested unknown field", Method: "POST",
				Path: "/xrpc/com.atproto.server.createSession", Headers: jsonType, Body: quoted(deep),
				Status: 401, Error: "AuthenticationRequired",
				Note: "JSON.parse has no depth limit this low and unknown properties are ignored; then Invalid identifier or password"},
			boltskyStatus: 400, boltskyError: "InvalidRequest",
			reason: "JSON input is decoded into the data model with its nesting limit, ignored fields included, " +
				"so that no request makes the decoder build values without bound",
		},
		{
			malformedCase: malformedCase{file: "routing", Name: "unknown nsid GET", Method: "GET",
				Path: "/xrpc/com.example.nothing.here", Status: 400, Error: "InvalidRequest",
				Note: "pds/src/index.ts sets catchall: proxyHandler; pipethrough.ts parseProxyInfo: no atproto-proxy header and no app view configured -> No service configured"},
			boltskyStatus: 501, boltskyError: "MethodNotImplemented", reason: unknownMethod,
		},
		{
			malformedCase: malformedCase{file: "routing", Name: "unknown nsid POST", Method: "POST",
				Path: "/xrpc/com.example.nothing.here", Headers: jsonType, Body: json.RawMessage(`{}`),
				Status: 400, Error: "InvalidRequest", Note: "as for GET: proxyHandler -> No service configured"},
			boltskyStatus: 501, boltskyError: "MethodNotImplemented", reason: unknownMethod,
		},
		{
			malformedCase: malformedCase{file: "routing", Name: "unknown nsid PUT", Method: "PUT",
				Path: "/xrpc/com.example.nothing.here", Status: 400, Error: "InvalidRequest",
				Note: "pipethrough.ts proxyHandler: methods other than GET/HEAD/POST -> XRPC requests only supports GET and POST"},
			boltskyStatus: 501, boltskyError: "MethodNotImplemented", reason: unknownMethod,
		},
		{
			malformedCase: malformedCase{file: "routing", Name: "GET on subscribeRepos without upgrade", Method: "GET",
				Path: "/xrpc/com.atproto.sync.subscribeRepos", Status: 400, Error: "InvalidRequest",
				Note: "subscriptions have no HTTP route; server.ts catchall -> proxyHandler -> No service configured"},
			boltskyStatus: 426, boltskyError: "InvalidRequest",
			reason: "a subscription is a WebSocket (XRPC spec, PROTOCOL.md 9.1): a plain GET is told 426 Upgrade Required " +
				"rather than sent to a proxy that has nothing to do with it",
		},
		{
			malformedCase: malformedCase{file: "routing", Name: "POST on subscribeRepos", Method: "POST",
				Path: "/xrpc/com.atproto.sync.subscribeRepos", Headers: jsonType, Body: json.RawMessage(`{}`),
				Status: 400, Error: "InvalidRequest",
				Note: "server.ts catchall -> proxyHandler -> No service configured; the reference never answers 405"},
			boltskyStatus: 405, boltskyError: "InvalidRequest",
			reason: "a subscription is opened with GET only: any other verb is 405 Method Not Allowed " +
				"rather than sent to a proxy that has nothing to do with it",
		},
	}
}

// TestMalformed sends the bad requests of testdata/malformed/*.json to a
// node and checks that it answers each as the reference PDS does, then
// sends the whole table again from 16 goroutines at once to show that
// nothing deadlocks. Intentional differences are checked against
// boltsky's own answers; known server bugs are reported with
// -malformed.bugs.
func TestMalformed(t *testing.T) {
	cases, bugs := loadMalformed(t)
	if len(cases) < 100 {
		t.Fatalf("only %d cases in testdata/malformed", len(cases))
	}
	diffs := intentionalDifferences()
	names := map[string]bool{}
	for _, c := range slices.Concat(cases, bugs) {
		names[c.file+"/"+c.Name] = true
	}
	for _, d := range diffs {
		if names[d.file+"/"+d.Name] {
			t.Fatalf("intentional difference %s/%s is also a case of testdata/malformed", d.file, d.Name)
		}
	}
	e := mustMalformedEnv(t)

	t.Run("sequential", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.file+"/"+c.Name, func(t *testing.T) {
				for _, p := range e.check(c) {
					t.Error(p)
				}
			})
		}
	})

	t.Run("intentionalDifferences", func(t *testing.T) {
		for _, d := range diffs {
			t.Run(d.file+"/"+d.Name, func(t *testing.T) {
				if d.boltskyStatus == d.Status && d.boltskyError == d.Error {
					t.Fatalf("boltsky's answer is the reference's: not a difference")
				}
				c := d.malformedCase
				c.Status, c.Error = d.boltskyStatus, d.boltskyError
				c.Note = fmt.Sprintf("answers %d %s, but boltsky differs on purpose: %s", d.Status, d.Error, d.reason)
				for _, p := range e.check(c) {
					t.Error(p)
				}
			})
		}
	})

	t.Run("knownServerBugs", func(t *testing.T) {
		for _, c := range bugs {
			t.Run(c.file+"/"+c.Name, func(t *testing.T) {
				problems := e.check(c)
				switch {
				case len(problems) == 0:
					t.Logf("known server bug answered as the reference this time (some are intermittent): once fixed, move %q to the cases of %s.json", c.Name, c.file)
				case *malformedBugs:
					t.Errorf("known server bug (boltsky answered %s): %s", c.Actual, strings.Join(problems, "; "))
				default:
					t.Logf("known server bug, skipped (boltsky answered %s): %s", c.Actual, strings.Join(problems, "; "))
				}
			})
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		const workers = 16
		work := make(chan malformedCase)
		var mu sync.Mutex
		var failed []string
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for c := range work {
					if p := e.check(c); len(p) > 0 {
						mu.Lock()
						failed = append(failed, c.file+"/"+c.Name+": "+strings.Join(p, "; "))
						mu.Unlock()
					}
				}
			})
		}
		done := make(chan struct{})
		go func() {
			for _, c := range cases {
				work <- c
			}
			close(work)
			wg.Wait()
			close(done)
		}()
		// Each worker's requests time out on their own; a run much longer
		// than the table's share per worker means something is stuck.
		limit := time.Duration(len(cases)/workers+2) * malformedTimeout
		select {
		case <-done:
		case <-time.After(limit):
			t.Fatalf("the concurrent run did not finish within %v", limit)
		}
		slices.Sort(failed)
		for _, f := range failed {
			t.Error(f)
		}
	})

	t.Logf("checked %d malformed requests (%d sequentially and concurrently), %d intentional differences, %d known server bugs",
		2*len(cases)+len(diffs)+len(bugs), len(cases), len(diffs), len(bugs))
}
