package httpapi

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/valyala/fasthttp"
)

// The readers below take request parts as the reference PDS reads them;
// testdata/malformed checks the answers they lead to, these the readers.

func TestXRPCNSID(t *testing.T) {
	for _, c := range []struct {
		rest, nsid string
		ok         bool
	}{
		{"com.atproto.server.describeServer", "com.atproto.server.describeServer", true},
		{"com.atproto.server.describeServer/", "com.atproto.server.describeServer", true},
		{"com.atproto.server.describeServer//", "", false},
		{"com.atproto.server.describeServer/extra", "", false},
		{"%63om.atproto.server.describeServer", "", false},
		{"com.atproto%2Fserver.describeServer", "", false},
		{"com-x.a-b.c", "com-x.a-b.c", true},
		{"a", "", false},
		{"ab", "ab", true},
		{"", "", false},
		{"/", "", false},
		{".com.a", "", false},
		{"com..a", "", false},
		{"com.-a", "", false},
		{"com.a.", "", false},
		{"com.a_b", "", false},
	} {
		nsid, ok := xrpcNSID(c.rest)
		if nsid != c.nsid || ok != c.ok {
			t.Errorf("xrpcNSID(%q) = %q, %v; want %q, %v", c.rest, nsid, ok, c.nsid, c.ok)
		}
	}
}

func TestSearchParams(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want url.Values
	}{
		{"", url.Values{}},
		{"a=1&b=2&a=3", url.Values{"a": {"1", "3"}, "b": {"2"}}},
		{"x=%ZZ", url.Values{"x": {"%ZZ"}}},
		{"x=%4", url.Values{"x": {"%4"}}},
		{"x=a+b%20c", url.Values{"x": {"a b c"}}},
		{"x=%2B5", url.Values{"x": {"+5"}}},
		{"&&x&y=", url.Values{"x": {""}, "y": {""}}},
		{"a;b=1", url.Values{"a;b": {"1"}}},
		{"k=a=b", url.Values{"k": {"a=b"}}},
		{"%5F_proto__=x", url.Values{"__proto__": {"x"}}},
		{"x=%FF", url.Values{"x": {"\uFFFD"}}},
	} {
		if got := searchParams([]byte(c.raw)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("searchParams(%q) = %v, want %v", c.raw, got, c.want)
		}
	}
}

func TestJSONSyntax(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"a":1}`, ""},
		{` [1,2] `, ""},
		{`{"a":1,"a":2}`, ""},
		{``, "Unexpected end of JSON input"},
		{`  `, "Unexpected end of JSON input"},
		{`{"a":`, "Unexpected end of JSON input"},
		{`"abc"`, `Unexpected token '"', ""abc"" is not valid JSON`},
		{`null`, `Unexpected token 'n', "null" is not valid JSON`},
		{`{"a":1} x`, "Unexpected non-whitespace character after JSON at position 8"},
		{`{'a':1}`, "Expected property name or '}' in JSON at position 1"},
		{`{"a":1,}`, "Expected double-quoted property name in JSON at position 7"},
		{`{"a":NaN}`, `Unexpected token 'N', "{"a":NaN}" is not valid JSON`},
		{"{\"a\":\"\x01\"}", "Bad control character in string literal in JSON at position 6"},
		{`{"a":"\q"}`, "Bad escaped character in JSON at position 7"},
		{`{"aaaaaaaaaaaaaaaaaaaa":NaN,"bbbbbbbbbbbbbbbbbbbbbbbbbb":1}`, `Unexpected token 'N', "...aaaaaaaa":NaN,"bbbbbb..." is not valid JSON`},
	} {
		if got := jsonSyntax([]byte(c.body)); got != c.want {
			t.Errorf("jsonSyntax(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestReposCursor(t *testing.T) {
	for _, c := range []struct {
		cur, after, bound string
		ok                bool
	}{
		{"", "", "", true},
		{"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "", true},
		{"1700000000000::did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "", true},
		{"1700000000000::nope", "", "nope", true},
		{" -5x::nope", "", "nope", true},
		{"8640000000000000::a", "", "a", true},
		{"8640000000000001::a", "", "", false},
		{"00000000000000000001::a", "", "a", true},
		{"garbage", "", "", false},
		{"x::a", "", "", false},
		{"::a", "", "", false},
		{"1::", "", "", false},
		{"1::a::b", "", "", false},
	} {
		after, bound, err := reposCursor(c.cur)
		if (err == nil) != c.ok || err == nil && (after.String() != c.after || bound != c.bound) {
			t.Errorf("reposCursor(%q) = %q, %q, %v; want %q, %q, ok %v", c.cur, after, bound, err, c.after, c.bound, c.ok)
		}
	}
}

func TestAuthorizationHeader(t *testing.T) {
	for _, c := range []struct {
		header, scheme, cred string
		ok                   bool
	}{
		{"", "", "", true},
		{"Bearer abc", schemeBearer, "abc", true},
		{"bearer abc", schemeBearer, "abc", true},
		{"Basic abc", schemeBasic, "abc", true},
		{"DPoP abc", schemeDPoP, "abc", true},
		{"Bearer", "", "", false},
		{"Bearer  abc", "", "", false},
		{"Bearer abc def", "", "", false},
		{"Token abc", "", "", false},
		{"Nonsense", "", "", false},
	} {
		var rc fasthttp.RequestCtx
		if c.header != "" {
			rc.Request.Header.Set("Authorization", c.header)
		}
		scheme, cred, err := (&call{rc: &rc}).authorization()
		if (err == nil) != c.ok || scheme != c.scheme || cred != c.cred {
			t.Errorf("authorization %q = %q, %q, %v; want %q, %q, ok %v", c.header, scheme, cred, err, c.scheme, c.cred, c.ok)
		}
	}
}
