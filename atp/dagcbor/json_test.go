package dagcbor

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

const (
	testBlobCID = "bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity"
	testDataCID = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"
)

func mustCID(tb testing.TB, s string) cid.Cid {
	tb.Helper()
	c, err := ParseCIDString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestFromJSONNumbers(t *testing.T) {
	valid := map[string]int64{
		"0":                       0,
		"-0":                      0,
		"-0.0":                    0,
		"7":                       7,
		"-7":                      -7,
		"123.0":                   123,
		"123.000":                 123,
		"1e3":                     1000,
		"1E+3":                    1000,
		"1.5e1":                   15,
		"150e-1":                  15,
		"100e-2":                  1,
		"0.0000001e7":             1,
		"0e999999999999":          0,
		"0.0e-5":                  0,
		"9007199254740993":        9007199254740993,
		"9223372036854775807":     math.MaxInt64,
		"-9223372036854775808":    math.MinInt64,
		"9.223372036854775807e18": math.MaxInt64,
		"999999999999999999":      999999999999999999,
		"1000000000000000000":     1000000000000000000,
	}
	for in, want := range valid {
		v, err := FromJSON([]byte(in))
		if err != nil || v != any(want) {
			t.Errorf("FromJSON(%s) = %#v, %v; want %d", in, v, err, want)
		}
	}
	invalid := map[string]error{
		"1.5":                  ErrUnsupported,
		"123.456":              ErrUnsupported,
		"1e-1":                 ErrUnsupported,
		"15e-1":                ErrUnsupported,
		"1e-99999999999":       ErrUnsupported,
		"9223372036854775808":  ErrLimit,
		"-9223372036854775809": ErrLimit,
		"1e19":                 ErrLimit,
		"1e99999999999":        ErrLimit,
		"18446744073709551616": ErrLimit,
		"1.":                   ErrMalformedJSON,
		".5":                   ErrMalformedJSON,
		"+1":                   ErrMalformedJSON,
		"-":                    ErrMalformedJSON,
		"1e":                   ErrMalformedJSON,
		"1e+":                  ErrMalformedJSON,
		"[01]":                 ErrMalformedJSON,
		"01":                   ErrTrailingBytes,
		"NaN":                  ErrMalformedJSON,
		"Infinity":             ErrMalformedJSON,
		"0x10":                 ErrTrailingBytes,
	}
	for in, want := range invalid {
		if v, err := FromJSON([]byte(in)); !errors.Is(err, want) {
			t.Errorf("FromJSON(%s) = %#v, %v; want %v", in, v, err, want)
		}
	}
}

func TestFromJSONStrings(t *testing.T) {
	valid := map[string]string{
		`""`:                   "",
		`"plain"`:              "plain",
		`"a~öñ©⽘☎𓋓😀"`:          "a~öñ©⽘☎𓋓😀",
		`"\"\\\/\b\f\n\r\t"`:   "\"\\/\b\f\n\r\t",
		`"\u0041\u00e9\u65e5"`: "Aé日",
		`"\ud83d\ude00"`:       "😀",
		`"x\u0000y"`:           "x\x00y",
		`"\uFFFD"`:             "\uFFFD",
	}
	for in, want := range valid {
		v, err := FromJSON([]byte(in))
		if err != nil || v != any(want) {
			t.Errorf("FromJSON(%s) = %#v, %v; want %q", in, v, err, want)
		}
	}
	invalid := []string{
		`"unterminated`,
		`"bad \x escape"`,
		`"lone \ud83d high"`,
		`"lone \ude00 low"`,
		`"high then letter \ud83dA"`,
		`"short \u12"`,
		"\"raw\ncontrol\"",
		"\"invalid \xff utf8\"",
		`'single'`,
	}
	for _, in := range invalid {
		if v, err := FromJSON([]byte(in)); !errors.Is(err, ErrMalformedJSON) {
			t.Errorf("FromJSON(%s) = %#v, %v; want ErrMalformedJSON", in, v, err)
		}
	}
}

func TestFromJSONStructure(t *testing.T) {
	link := mustCID(t, testDataCID)
	valid := []struct {
		in   string
		want any
	}{
		{` { "a" : [ 1 , true , null ] } `, map[string]any{"a": []any{int64(1), true, nil}}},
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{`{"$link":"` + testDataCID + `"}`, link},
		{`{"$bytes":""}`, []byte{}},
		{`{"$bytes":"AQID"}`, []byte{1, 2, 3}},
		{`{"$bytes":"AQI"}`, []byte{1, 2}},
		{`{"$bytes":"AQI="}`, []byte{1, 2}},
		{`{"$bytes":"AQ=="}`, []byte{1}},
		{`{"$type":"com.example.x","$other":1}`, map[string]any{"$type": "com.example.x", "$other": int64(1)}},
		{`{"cid":"` + testBlobCID + `","mimeType":"image/png"}`, map[string]any{"cid": testBlobCID, "mimeType": "image/png"}},
		{`{"$type":"blob","ref":{"$link":"` + testBlobCID + `"},"mimeType":"image/png","size":1}`,
			Blob{Ref: mustCID(t, testBlobCID), MimeType: "image/png", Size: 1}.Value()},
	}
	for _, tt := range valid {
		v, err := FromJSON([]byte(tt.in))
		if err != nil || !reflect.DeepEqual(v, tt.want) {
			t.Errorf("FromJSON(%s) = %#v, %v; want %#v", tt.in, v, err, tt.want)
		}
	}
	blob := func(fields string) string { return `{"$type":"blob",` + fields + `}` }
	ref := `"ref":{"$link":"` + testBlobCID + `"}`
	invalid := []struct {
		in   string
		want error
	}{
		{``, ErrMalformedJSON},
		{`   `, ErrMalformedJSON},
		{`{"a":1,"a":2}`, ErrMalformedJSON},
		{`{"a":1,}`, ErrMalformedJSON},
		{`[1,]`, ErrMalformedJSON},
		{`{"a" 1}`, ErrMalformedJSON},
		{`{1:1}`, ErrMalformedJSON},
		{`[1 2]`, ErrMalformedJSON},
		{`tru`, ErrMalformedJSON},
		{`nul`, ErrMalformedJSON},
		{`{} {}`, ErrTrailingBytes},
		{`{}x`, ErrTrailingBytes},
		{"\xef\xbb\xbf{}", ErrMalformedJSON},
		{`{"$link":"` + testDataCID + `","x":1}`, ErrInvalidLink},
		{`{"$link":1}`, ErrInvalidLink},
		{`{"$link":null}`, ErrInvalidLink},
		{`{"$link":"bafy"}`, ErrInvalidCID},
		{`{"$link":"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"}`, ErrInvalidCID},
		{`{"$link":" ` + testDataCID + `"}`, ErrInvalidCID},
		{`{"$bytes":"AQID","x":1}`, ErrInvalidBytes},
		{`{"$bytes":[1]}`, ErrInvalidBytes},
		{`{"$bytes":"AQ="}`, ErrInvalidBytes},
		{`{"$bytes":"AQJ"}`, ErrInvalidBytes},
		{`{"$bytes":"AQ\nID"}`, ErrInvalidBytes},
		{`{"$bytes":"-_8"}`, ErrInvalidBytes},
		{`{"$type":null}`, ErrInvalidType},
		{`{"$type":""}`, ErrInvalidType},
		{`{"$type":["a"]}`, ErrInvalidType},
		{`{"a":{"b":{"$type":1}}}`, ErrInvalidType},
		{blob(ref + `,"mimeType":"image/png"`), ErrInvalidBlob},
		{blob(ref + `,"mimeType":"image/png","size":0`), ErrInvalidBlob},
		{blob(ref + `,"mimeType":"image/png","size":-5`), ErrInvalidBlob},
		{blob(ref + `,"mimeType":"","size":5`), ErrInvalidBlob},
		{blob(ref + `,"mimeType":1,"size":5`), ErrInvalidBlob},
		{blob(ref + `,"mimeType":"image/png","size":5,"extra":1`), ErrInvalidBlob},
		{blob(`"ref":"` + testBlobCID + `","mimeType":"image/png","size":5`), ErrInvalidBlob},
		{blob(`"ref":{"$link":"` + testDataCID + `"},"mimeType":"image/png","size":5`), ErrInvalidBlob},
	}
	for _, tt := range invalid {
		if v, err := FromJSON([]byte(tt.in)); !errors.Is(err, tt.want) {
			t.Errorf("FromJSON(%s) = %#v, %v; want %v", tt.in, v, err, tt.want)
		}
	}
}

func TestFromJSONLimits(t *testing.T) {
	nest := func(n int, inner string) string {
		return strings.Repeat(`{"a":`, n) + inner + strings.Repeat(`}`, n)
	}
	arrays := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	link := `{"$link":"` + testDataCID + `"}`
	tests := []struct {
		name string
		opts DecodeOptions
		in   string
		want error
	}{
		{"32 objects", DecodeOptions{}, nest(32, "1"), nil},
		{"33 objects", DecodeOptions{}, nest(33, "1"), ErrLimit},
		{"32 arrays", DecodeOptions{}, arrays(32), nil},
		{"33 arrays", DecodeOptions{}, arrays(33), ErrLimit},
		{"empty object at 33", DecodeOptions{}, nest(32, "{}"), ErrLimit},
		{"link below 32 objects", DecodeOptions{}, nest(32, link), nil},
		{"bytes below 32 objects", DecodeOptions{}, nest(32, `{"$bytes":"AQ"}`), nil},
		{"container in link at limit", DecodeOptions{}, nest(32, `{"$link":[1]}`), ErrLimit},
		{"deep garbage", DecodeOptions{}, strings.Repeat("[", 100000), ErrLimit},
		{"depth option", DecodeOptions{MaxDepth: 2}, nest(3, "1"), ErrLimit},
		{"array length", DecodeOptions{MaxContainerLen: 2}, `[1,2,3]`, ErrLimit},
		{"object length", DecodeOptions{MaxContainerLen: 2}, `{"a":1,"b":2,"c":3}`, ErrLimit},
		{"size", DecodeOptions{MaxSize: 4}, `[1,2]`, ErrLimit},
		{"key length", DecodeOptions{}, `{"` + strings.Repeat("k", MaxKeyLen+1) + `":1}`, ErrLimit},
		{"key length at limit", DecodeOptions{}, `{"` + strings.Repeat("k", MaxKeyLen) + `":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.opts.FromJSON([]byte(tt.in))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("FromJSON = %v", err)
				}
				// Whatever FromJSON accepts, Marshal encodes and Unmarshal reads.
				data, err := Marshal(v)
				if err != nil {
					t.Fatalf("Marshal = %v", err)
				}
				if _, err := Unmarshal(data); err != nil {
					t.Fatalf("Unmarshal = %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("FromJSON = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFromJSONObject(t *testing.T) {
	for _, in := range []string{`"blah"`, `1`, `[]`, `null`, `{"$link":"` + testDataCID + `"}`} {
		if _, err := FromJSONObject([]byte(in)); !errors.Is(err, ErrWrongType) {
			t.Errorf("FromJSONObject(%s) = %v, want ErrWrongType", in, err)
		}
	}
	m, err := FromJSONObject([]byte(`{"a":1}`))
	if err != nil || m["a"] != int64(1) {
		t.Errorf("FromJSONObject = %v, %v", m, err)
	}
}

func TestToJSON(t *testing.T) {
	link := mustCID(t, testDataCID)
	tests := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{true, `true`},
		{int64(math.MinInt64), `-9223372036854775808`},
		{uint8(7), `7`},
		{"q\"b\\s\n\r\t\x01\x1f<>&\u2028é", `"q\"b\\s\n\r\t\u0001\u001f<>&` + "\u2028" + `é"`},
		{[]byte{1, 2}, `{"$bytes":"AQI"}`},
		{[]byte{}, `{"$bytes":""}`},
		{link, `{"$link":"` + testDataCID + `"}`},
		{[]any{}, `[]`},
		{map[string]any{}, `{}`},
		{map[string]any{"bb": int64(1), "a": []any{nil, "x"}, "c": map[string]any{}}, `{"a":[null,"x"],"c":{},"bb":1}`},
		{Blob{Ref: mustCID(t, testBlobCID), MimeType: "image/png", Size: 3},
			`{"ref":{"$link":"` + testBlobCID + `"},"size":3,"$type":"blob","mimeType":"image/png"}`},
	}
	for _, tt := range tests {
		got, err := ToJSON(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("ToJSON(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	bad := []struct {
		in   any
		want error
	}{
		{map[string]any{"$link": testDataCID}, ErrInvalidLink},
		{map[string]any{"$bytes": "AQ", "x": 1}, ErrInvalidBytes},
		{"\xff", ErrUnsupported},
		{map[string]any{"\xff": 1}, ErrUnsupported},
		{cid.Undef, ErrInvalidCID},
		{float64(1), ErrUnsupported},
		{uint64(math.MaxUint64), ErrLimit},
		{Blob{Ref: link, MimeType: "image/png", Size: 1}, ErrInvalidBlob},
		{Blob{Ref: mustCID(t, testBlobCID), MimeType: "image/png", Size: -1}, ErrInvalidBlob},
	}
	for _, tt := range bad {
		if got, err := ToJSON(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("ToJSON(%#v) = %s, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// Depth: as for Marshal, 32 levels are fine and 33 are not.
	var deep any = int64(1)
	for range DefaultMaxDepth {
		deep = []any{deep}
	}
	if _, err := ToJSON(deep); err != nil {
		t.Errorf("ToJSON(32 levels) = %v", err)
	}
	if _, err := ToJSON([]any{deep}); !errors.Is(err, ErrLimit) {
		t.Errorf("ToJSON(33 levels) = %v, want ErrLimit", err)
	}
}

// TestJSONRoundTrip checks random values: ToJSON then FromJSON gives the
// value back, and so does Marshal then Unmarshal.
func TestJSONRoundTrip(t *testing.T) {
	g := newValueGen(3)
	g.noDollar = true
	for i := range 2000 {
		v := g.value(8)
		js, err := ToJSON(v)
		if err != nil {
			t.Fatalf("#%d: ToJSON(%#v): %v", i, v, err)
		}
		back, err := FromJSON(js)
		if err != nil {
			t.Fatalf("#%d: FromJSON(%s): %v", i, js, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("#%d: JSON round trip of %#v gave %#v via %s", i, v, back, js)
		}
	}
}

func TestAppendCIDString(t *testing.T) {
	g := newValueGen(5)
	for range 200 {
		c := g.link()
		if got := string(appendCIDString(nil, c)); got != c.String() {
			t.Fatalf("appendCIDString = %s, want %s", got, c)
		}
	}
	// A CID whose length is not a multiple of 5 bytes.
	c := mustCID(t, "bafkqaaa")
	if got := string(appendCIDString(nil, c)); got != c.String() {
		t.Fatalf("appendCIDString = %s, want %s", got, c)
	}
}
