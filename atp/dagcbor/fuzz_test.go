package dagcbor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/boltsky/boltsky/internal/testvectors"
)

var update = flag.Bool("update", false, "rewrite the seed corpora under testdata/fuzz")

// FuzzUnmarshal: Unmarshal never panics, and whatever it accepts Marshal
// writes back byte for byte; its JSON form reads back to the same value
// unless a JSON-only rule ($type, blob shape) refuses it.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of accepted input %x: %v", data, err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("re-encoding differs\n  in %x\n out %x", data, out)
		}
		js, err := ToJSON(v)
		if err != nil {
			if !errors.Is(err, ErrInvalidLink) && !errors.Is(err, ErrInvalidBytes) {
				t.Fatalf("ToJSON: %v", err)
			}
			return
		}
		back, err := FromJSON(js)
		if err != nil {
			if !errors.Is(err, ErrInvalidType) && !errors.Is(err, ErrInvalidBlob) {
				t.Fatalf("FromJSON(ToJSON(%x)) = %v (JSON %s)", data, err, js)
			}
			return
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("JSON round trip of %x: %#v, want %#v", data, back, v)
		}
	})
}

var allSentinels = []error{
	ErrMalformed, ErrNotCanonical, ErrUnsupported, ErrLimit, ErrTrailingBytes, ErrWrongType, ErrInvalidCID,
}

// FuzzValidate: Validate and Unmarshal accept the same inputs and report
// the same sentinels.
func FuzzValidate(f *testing.F) {
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		verr := Validate(data)
		_, uerr := Unmarshal(data)
		if (verr == nil) != (uerr == nil) {
			t.Fatalf("Validate = %v, Unmarshal = %v for %x", verr, uerr, data)
		}
		for _, s := range allSentinels {
			if errors.Is(verr, s) != errors.Is(uerr, s) {
				t.Fatalf("Validate = %v, Unmarshal = %v for %x: sentinels differ", verr, uerr, data)
			}
		}
	})
}

// FuzzFromJSON: FromJSON never panics, accepts only valid JSON, and
// whatever it accepts goes through ToJSON and back, and through CBOR and
// back, unchanged.
func FuzzFromJSON(f *testing.F) {
	f.Add([]byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := FromJSON(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("FromJSON accepted invalid JSON %q", data)
		}
		js, err := ToJSON(v)
		if err != nil {
			t.Fatalf("ToJSON(%#v): %v", v, err)
		}
		back, err := FromJSON(js)
		if err != nil {
			t.Fatalf("FromJSON(ToJSON) = %v for %s", err, js)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("JSON round trip: %#v, want %#v", back, v)
		}
		cb, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", v, err)
		}
		dec, err := Unmarshal(cb)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal) = %v", err)
		}
		if !reflect.DeepEqual(dec, v) {
			t.Fatalf("CBOR round trip: %#v, want %#v", dec, v)
		}
	})
}

// TestFuzzSeeds rewrites the seed corpora with -update. The seeds are
// the vectors and testdata inputs this package already uses.
func TestFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	cborSeeds := map[string][]byte{}
	jsonSeeds := map[string][]byte{}
	for i, fx := range readFixtures(t, "data-model/data-model-fixtures.json") {
		b, err := base64.RawStdEncoding.DecodeString(fx.CBORBase64)
		if err != nil {
			t.Fatal(err)
		}
		cborSeeds[fmt.Sprintf("fixture-%d", i)] = b
		jsonSeeds[fmt.Sprintf("fixture-%d", i)] = fx.JSON
	}
	for _, name := range []string{"valid", "invalid"} {
		for i, fx := range readFixtures(t, "data-model/data-model-"+name+".json") {
			jsonSeeds[fmt.Sprintf("%s-%d", name, i)] = fx.JSON
		}
	}
	cborSeeds["feedpost"] = testvectors.Read(t, "extra/indigo/atproto/atdata/feedpost_record.cbor")
	for _, dir := range []string{"malformed", "wellformed"} {
		for _, c := range readHexDir(t, dir) {
			cborSeeds[dir+"-"+c.name] = c.data
		}
	}
	post, err := os.ReadFile("testdata/post.json")
	if err != nil {
		t.Fatal(err)
	}
	jsonSeeds["post"] = post
	postValue, err := FromJSON(post)
	if err != nil {
		t.Fatal(err)
	}
	if cborSeeds["post"], err = Marshal(postValue); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"numbers": `[0,-0,1.0,1e3,-9223372036854775808,9223372036854775807,1.5,1e-1]`,
		"escapes": `{"s":"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00\u0000"}`,
		"bytes":   `{"$bytes":"AQI="}`,
		"blob":    `{"$type":"blob","ref":{"$link":"` + testBlobCID + `"},"mimeType":"image/png","size":1}`,
		"legacy":  `{"cid":"` + testBlobCID + `","mimeType":"image/png"}`,
		"deep":    `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{"$link":"` + testDataCID + `"}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	} {
		jsonSeeds[name] = []byte(s)
	}
	writeCorpus(t, "FuzzUnmarshal", cborSeeds)
	writeCorpus(t, "FuzzValidate", cborSeeds)
	writeCorpus(t, "FuzzFromJSON", jsonSeeds)
}

func writeCorpus(t *testing.T, target string, seeds map[string][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: %d seeds", target, len(seeds))
}
