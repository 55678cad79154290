package httpapi

import (
	"testing"

	"github.com/valyala/fasthttp"
)

// The readers below take request parts as the reference PDS reads them;
// testdata/malformed checks the answers they lead to, these the readers.

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
