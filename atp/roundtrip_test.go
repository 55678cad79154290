package atp_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// record holds one field of every type, as a lexicon record or XRPC body
// would.
type record struct {
	DID      atp.DID          `json:"did"`
	Handle   atp.Handle       `json:"handle"`
	NSID     atp.NSID         `json:"nsid"`
	URI      atp.ATURI        `json:"uri"`
	Actor    atp.AtIdentifier `json:"actor"`
	Rev      atp.TID          `json:"rev"`
	Rkey     atp.RecordKey    `json:"rkey"`
	At       atp.Datetime     `json:"createdAt"`
	Lang     atp.Language     `json:"lang"`
	Link     atp.URI          `json:"link"`
	Optional atp.Handle       `json:"optional,omitzero"`
}

const recordJSON = `{"did":"did:plc:7iza6de2dwap2sbkpav7c6c6","handle":"alice.test",` +
	`"nsid":"app.bsky.feed.post","uri":"at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3jzfcijpj2z2a",` +
	`"actor":"bob.test","rev":"3jzfcijpj2z2a","rkey":"self","createdAt":"1985-04-12T23:20:50.123-07:00",` +
	`"lang":"pt-BR","link":"https://example.com/a?b#c"}`

func TestJSONRoundTrip(t *testing.T) {
	var r record
	if err := json.Unmarshal([]byte(recordJSON), &r); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != recordJSON {
		t.Errorf("re-encoded JSON differs:\n got  %s\n want %s", out, recordJSON)
	}
	// Map keys use the text form too.
	m := map[atp.DID]atp.TID{r.DID: r.Rev}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back map[atp.DID]atp.TID
	if err := json.Unmarshal(b, &back); err != nil || back[r.DID] != r.Rev {
		t.Errorf("map round trip: %s -> %v, %v", b, back, err)
	}
}

func TestJSONRejects(t *testing.T) {
	for field, bad := range map[string]string{
		"did":       "did:PLC:x",
		"handle":    "alice",
		"nsid":      "app.bsky",
		"uri":       "at://alice.test/",
		"actor":     "@alice.test",
		"rev":       "3jzf-cij-pj2z-2a",
		"rkey":      "..",
		"createdAt": "1985-04-12T23:20:50.123-00:00",
		"lang":      "en-",
		"link":      "example.com",
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(recordJSON), &m); err != nil {
			t.Fatal(err)
		}
		m[field] = bad
		b, _ := json.Marshal(m)
		var r record
		err := json.Unmarshal(b, &r)
		if err == nil || !strings.Contains(err.Error(), "atp: invalid") {
			t.Errorf("field %s = %q: Unmarshal error %v", field, bad, err)
		}
	}
}

func TestZeroValues(t *testing.T) {
	for _, k := range kinds() {
		if k.unmarshal == nil {
			continue
		}
		zero, err := k.unmarshal(nil) // fails, and leaves the zero value
		if err == nil {
			t.Fatalf("%s: empty text accepted", k.name)
		}
		if !zero.IsZero() || zero.String() != "" {
			t.Errorf("%s: zero value IsZero=%v String=%q", k.name, zero.IsZero(), zero.String())
		}
		b, err := zero.MarshalText()
		if b != nil || !errors.Is(err, atp.ErrZeroValue) || !errors.Is(err, k.sentinel) {
			t.Errorf("%s: zero MarshalText = %q, %v; want ErrZeroValue and %v", k.name, b, err, k.sentinel)
		}
	}
	// encoding/json refuses an unset identifier unless the field says
	// omitzero.
	var r record
	if _, err := json.Marshal(r); !errors.Is(err, atp.ErrZeroValue) {
		t.Errorf("marshalling unset fields: %v", err)
	}
	// Accessors of zero values return zero values and do not panic.
	var (
		d atp.DID
		h atp.Handle
		n atp.NSID
		u atp.ATURI
		a atp.AtIdentifier
		i atp.TID
		l atp.Datetime
		s atp.URI
	)
	if d.Method() != "" || d.Identifier() != "" || d.IsPLC() || h.TLD() != "" || h.AllowedTLD() || h.IsInvalid() ||
		n.Authority() != "" || n.Name() != "" || !n.Normalize().IsZero() ||
		!u.Authority().IsZero() || !u.Collection().IsZero() || !u.RecordKey().IsZero() || u.Path() != "" ||
		a.IsDID() || a.IsHandle() || !a.DID().IsZero() || !a.Handle().IsZero() ||
		i.Integer() != 0 || i.Compare(atp.NewTID(0, 0)) >= 0 || !l.Time().IsZero() || s.Scheme() != "" {
		t.Error("an accessor of a zero value returned something")
	}
}

func TestErrorText(t *testing.T) {
	long := "at://did:plc:asdf123/com.atproto.feed.post/" + strings.Repeat("o", 600)
	_, err := atp.ParseATURI(long)
	if !errors.Is(err, atp.ErrInvalidATURI) || !errors.Is(err, atp.ErrInvalidRecordKey) {
		t.Fatalf("error %v does not wrap both sentinels", err)
	}
	if len(err.Error()) > 300 {
		t.Errorf("error repeats too much of the input (%d bytes): %s", len(err.Error()), err)
	}
	_, err = atp.ParseAtIdentifier("did:x")
	if !errors.Is(err, atp.ErrInvalidAtIdentifier) || !errors.Is(err, atp.ErrInvalidDID) || errors.Is(err, atp.ErrInvalidHandle) {
		t.Errorf("at-identifier DID error %v", err)
	}
	_, err = atp.ParseAtIdentifier("not a handle")
	if !errors.Is(err, atp.ErrInvalidAtIdentifier) || !errors.Is(err, atp.ErrInvalidHandle) {
		t.Errorf("at-identifier handle error %v", err)
	}
}

func TestHandle(t *testing.T) {
	h, err := atp.ParseHandle("Alice.EXAMPLE.com")
	if err != nil || h.String() != "alice.example.com" {
		t.Fatalf("ParseHandle = %q, %v", h, err)
	}
	if h.AtIdentifier().Handle() != h {
		t.Error("AtIdentifier().Handle() lost the handle")
	}
	inv, err := atp.ParseHandle("Handle.Invalid")
	if err != nil || inv != atp.HandleInvalid || !inv.IsInvalid() || inv.AllowedTLD() {
		t.Errorf("Handle.Invalid parsed to %q (invalid=%v allowed=%v), %v", inv, inv.IsInvalid(), inv.AllowedTLD(), err)
	}
	for tld, allowed := range map[string]bool{
		"alt": false, "arpa": false, "example": false, "internal": false, "invalid": false,
		"local": false, "localhost": false, "onion": false, "test": true, "com": true, "social": true, "LOCAL": false,
	} {
		h, err := atp.ParseHandle("alice." + tld)
		if err != nil {
			t.Fatal(err)
		}
		if h.AllowedTLD() != allowed {
			t.Errorf("alice.%s: AllowedTLD() = %v", tld, !allowed)
		}
	}
}

func TestATURI(t *testing.T) {
	did, _ := atp.ParseDID("did:plc:7iza6de2dwap2sbkpav7c6c6")
	coll, _ := atp.ParseNSID("app.bsky.feed.post")
	rkey, _ := atp.ParseRecordKey("3jzfcijpj2z2a")
	tests := []struct {
		coll atp.NSID
		rkey atp.RecordKey
		want string
	}{
		{coll, rkey, "at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3jzfcijpj2z2a"},
		{coll, atp.RecordKey{}, "at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post"},
		{atp.NSID{}, atp.RecordKey{}, "at://did:plc:7iza6de2dwap2sbkpav7c6c6"},
		{atp.NSID{}, rkey, "at://did:plc:7iza6de2dwap2sbkpav7c6c6"}, // rkey without collection is dropped
	}
	for _, tt := range tests {
		u := atp.NewATURI(did, tt.coll, tt.rkey)
		if u.String() != tt.want {
			t.Errorf("NewATURI(%s, %s, %s) = %s, want %s", did, tt.coll, tt.rkey, u, tt.want)
		}
		p, err := atp.ParseATURI(u.String())
		if err != nil || p != u {
			t.Errorf("ParseATURI(%s) = %v, %v", u, p, err)
		}
		if u.Authority().DID() != did || u.Collection() != tt.coll {
			t.Errorf("%s: accessors %v %v", u, u.Authority(), u.Collection())
		}
	}
	if !atp.NewATURI(atp.DID{}, coll, rkey).IsZero() {
		t.Error("NewATURI with a zero DID is not zero")
	}
	u, err := atp.ParseATURI("at://Alice.Test/App.Bsky.Feed.post/Self")
	if err != nil || u.String() != "at://alice.test/App.Bsky.Feed.post/Self" {
		t.Errorf("handle authority not lower-cased, or other parts changed: %q, %v", u, err)
	}
}

func TestNSID(t *testing.T) {
	n, err := atp.ParseNSID("App.Bsky.Feed.postRecord")
	if err != nil {
		t.Fatal(err)
	}
	if n.String() != "App.Bsky.Feed.postRecord" || n.Authority() != "feed.bsky.app" || n.Name() != "postRecord" ||
		n.Normalize().String() != "app.bsky.feed.postRecord" {
		t.Errorf("NSID %q: authority %q name %q normalized %q", n, n.Authority(), n.Name(), n.Normalize())
	}
	lower, _ := atp.ParseNSID("app.bsky.feed.postRecord")
	if n == lower || n.Normalize() != lower {
		t.Error("NSIDs should compare as exact strings and be equal after Normalize")
	}
}

func TestTID(t *testing.T) {
	tests := []struct {
		micros int64
		clock  uint
		want   string
	}{
		{0, 0, "2222222222222"},
		{0, 1, "2222222222223"},
		{0, atp.MaxTIDClockID, "22222222222zz"},
		{1, 0, "2222222222322"},
		{atp.MaxTIDMicros, atp.MaxTIDClockID, "bzzzzzzzzzzzz"}, // 1<<63 - 1
		{atp.MaxTIDMicros + 1, 0, "2222222222222"},             // only 53 bits are kept
		{time.Date(2023, 6, 30, 15, 3, 1, 887007000, time.UTC).UnixMicro(), 6, "3jzfcijpj2z2a"},
	}
	for _, tt := range tests {
		got := atp.NewTID(tt.micros, tt.clock)
		if got.String() != tt.want {
			t.Errorf("NewTID(%d, %d) = %s, want %s", tt.micros, tt.clock, got, tt.want)
		}
		if p, err := atp.ParseTID(got.String()); err != nil || p != got {
			t.Errorf("ParseTID(%s) = %v, %v", got, p, err)
		}
		if tt.micros <= atp.MaxTIDMicros && (got.Micros() != tt.micros || got.ClockID() != tt.clock) {
			t.Errorf("%s: micros %d clock %d", got, got.Micros(), got.ClockID())
		}
	}
	a, b := atp.NewTID(100, 5), atp.NewTID(101, 0)
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Compare does not follow time order")
	}
}

func TestDatetime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(1985, 4, 12, 23, 20, 50, 123456789, time.UTC), "1985-04-12T23:20:50.123Z"},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("x", -7*3600)), "2024-01-01T07:00:00.000Z"},
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "0000-01-01T00:00:00.000Z"},
		{time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), "9999-12-31T23:59:59.999Z"},
	}
	for _, tt := range tests {
		d, err := atp.NewDatetime(tt.in)
		if err != nil || d.String() != tt.want {
			t.Errorf("NewDatetime(%v) = %q, %v; want %q", tt.in, d, err, tt.want)
			continue
		}
		if p, err := atp.ParseDatetime(d.String()); err != nil || p != d {
			t.Errorf("ParseDatetime(%q) = %v, %v", d, p, err)
		}
		if want := tt.in.Truncate(time.Millisecond); !d.Time().Equal(want) {
			t.Errorf("%q.Time() = %v, want %v", d, d.Time(), want)
		}
	}
	for _, bad := range []time.Time{time.Date(-1, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if d, err := atp.NewDatetime(bad); !errors.Is(err, atp.ErrInvalidDatetime) {
			t.Errorf("NewDatetime(%v) = %q, %v; want an error", bad, d, err)
		}
	}
	// The original text is kept, not re-formatted.
	d, _ := atp.ParseDatetime("1985-04-12T23:20:50.120000+00:00")
	if d.String() != "1985-04-12T23:20:50.120000+00:00" {
		t.Errorf("datetime text changed to %q", d)
	}
	// Time agrees with the standard library on every valid vector.
	for _, s := range readVectors(t, vectorFile{"syntax/datetime_syntax_valid.txt", true}) {
		d, _ := atp.ParseDatetime(s)
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !d.Time().Equal(want) || d.Time().Location() != time.UTC {
			t.Errorf("%q.Time() = %v, time.Parse = %v, %v", s, d.Time(), want, err)
		}
	}
}

func TestDID(t *testing.T) {
	d, err := atp.ParseDID("did:web:example.com")
	if err != nil || !d.IsWeb() || d.IsPLC() || d.Method() != "web" || d.Identifier() != "example.com" {
		t.Errorf("did:web: %v %v", d, err)
	}
	if d.AtIdentifier().DID() != d || !d.AtIdentifier().IsDID() {
		t.Error("AtIdentifier().DID() lost the DID")
	}
	long := "did:plc:" + strings.Repeat("a", atp.MaxDIDLength-8)
	if _, err := atp.ParseDID(long); err != nil {
		t.Errorf("DID of exactly %d bytes rejected: %v", len(long), err)
	}
	if _, err := atp.ParseDID(long + "a"); err == nil {
		t.Error("DID over the limit accepted")
	}
}

func TestURI(t *testing.T) {
	u, err := atp.ParseURI("svn+ssh://host/x")
	if err != nil || u.Scheme() != "svn+ssh" {
		t.Errorf("ParseURI = %v (%q), %v", u, u.Scheme(), err)
	}
	max := "https://example.com/" + strings.Repeat("x", atp.MaxURILength-20)
	if _, err := atp.ParseURI(max); err != nil {
		t.Errorf("URI of exactly %d bytes rejected: %v", len(max), err)
	}
	if _, err := atp.ParseURI(max + "x"); err == nil {
		t.Error("URI over the limit accepted")
	}
}
