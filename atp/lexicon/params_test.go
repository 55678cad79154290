package lexicon_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/boltsky/boltsky/atp/lexicon"
)

// TestParseParams runs the cases of testdata/params.json against the
// embedded catalog plus the interop examples.
func TestParseParams(t *testing.T) {
	cat := MustEmbedded(t)
	interop := MustInterop(t)
	b, err := os.ReadFile("testdata/params.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name   string          `json:"name"`
		Method string          `json:"method"`
		Query  string          `json:"query"`
		Want   json.RawMessage `json:"want"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.Query)
			if err != nil {
				t.Fatal(err)
			}
			c := cat
			if _, ok := c.Method(tc.Method); !ok {
				c = interop
			}
			got, err := c.ParseParams(tc.Method, q)
			if tc.Error != "" {
				if err == nil {
					t.Fatalf("accepted: %v", got)
				}
				if err.Error() != tc.Error {
					t.Errorf("error %q, want %q", err, tc.Error)
				}
				var verr *lexicon.Error
				if !errors.As(err, &verr) || !errors.Is(err, lexicon.ErrInvalid) {
					t.Errorf("error %v is not an *Error wrapping ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(got)
			var want bytes.Buffer
			if err := json.Compact(&want, tc.Want); err != nil {
				t.Fatal(err)
			}
			if string(gotJSON) != want.String() {
				t.Errorf("got %s, want %s", gotJSON, want.String())
			}
			// Values are typed: integers are int64, arrays []any.
			for k, v := range got {
				switch v.(type) {
				case bool, int64, string, []any:
				default:
					t.Errorf("%s: value of type %T", k, v)
				}
			}
		})
	}
	t.Logf("%d ParseParams cases", len(cases))
}

func TestParamsAccessors(t *testing.T) {
	p, err := MustEmbedded(t).ParseParams("app.bsky.feed.getAuthorFeed", url.Values{"actor": {"alice.test"}, "cursor": {"c1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := p.Int("limit"); !ok || n != 50 {
		t.Errorf("Int(limit) = %d, %v", n, ok)
	}
	if p.String("cursor") != "c1" || p.String("nope") != "" || p.Bool("includePins") {
		t.Errorf("accessors: %v", p)
	}
	p, _ = MustEmbedded(t).ParseParams("app.bsky.actor.getProfiles", url.Values{"actors": {"a.test", "b.test"}})
	if got := p.Strings("actors"); len(got) != 2 || got[1] != "b.test" {
		t.Errorf("Strings(actors) = %v", got)
	}
	if _, err := MustEmbedded(t).ParseParams("com.example.nope", nil); !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("unknown method: %v", err)
	}
}
