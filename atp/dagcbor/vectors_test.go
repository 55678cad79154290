package dagcbor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/boltsky/boltsky/internal/testvectors"
)

type dataModelFixture struct {
	JSON       json.RawMessage `json:"json"`
	CBORBase64 string          `json:"cbor_base64"`
	CID        string          `json:"cid"`
	Note       string          `json:"note"`
}

func readFixtures(t *testing.T, rel string) []dataModelFixture {
	t.Helper()
	var out []dataModelFixture
	if err := json.Unmarshal(testvectors.Read(t, rel), &out); err != nil {
		t.Fatalf("cannot parse %s: %v", rel, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s holds no entries", rel)
	}
	return out
}

// jsonEqual compares two JSON texts as generic encoding/json values.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("cannot parse %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("cannot parse %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestDataModelFixtures(t *testing.T) {
	fixtures := readFixtures(t, "data-model/data-model-fixtures.json")
	for i, f := range fixtures {
		want, err := base64.RawStdEncoding.DecodeString(f.CBORBase64)
		if err != nil {
			t.Fatalf("#%d: bad cbor_base64: %v", i, err)
		}

		// JSON → CBOR, byte-identical, with the fixture CID.
		v, err := FromJSON(f.JSON)
		if err != nil {
			t.Fatalf("#%d: FromJSON: %v", i, err)
		}
		got, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("#%d: JSON→CBOR\n got %x\nwant %x", i, got, want)
		}
		if c := SumCBOR(got).String(); c != f.CID {
			t.Errorf("#%d: CID %s, want %s", i, c, f.CID)
		}
		if err := Validate(want); err != nil {
			t.Errorf("#%d: Validate: %v", i, err)
		}

		// CBOR → JSON, semantically equal to the fixture.
		dec, err := Unmarshal(want)
		if err != nil {
			t.Fatalf("#%d: Unmarshal: %v", i, err)
		}
		if !reflect.DeepEqual(dec, v) {
			t.Errorf("#%d: Unmarshal(cbor) = %#v, FromJSON(json) = %#v", i, dec, v)
		}
		js, err := ToJSON(dec)
		if err != nil {
			t.Fatalf("#%d: ToJSON: %v", i, err)
		}
		if !jsonEqual(t, js, f.JSON) {
			t.Errorf("#%d: CBOR→JSON\n got %s\nwant %s", i, js, f.JSON)
		}
		again, err := Marshal(dec)
		if err != nil || !bytes.Equal(again, want) {
			t.Errorf("#%d: CBOR→value→CBOR differs (%v)", i, err)
		}
	}
	t.Logf("%d data-model fixtures: JSON→CBOR byte-identical with matching CID, CBOR→JSON equal", len(fixtures))
}

func TestDataModelValid(t *testing.T) {
	fixtures := readFixtures(t, "data-model/data-model-valid.json")
	for i, f := range fixtures {
		v, err := FromJSONObject(f.JSON)
		if err != nil {
			t.Errorf("#%d (%s): FromJSONObject: %v", i, f.Note, err)
			continue
		}
		// Valid data also survives the CBOR round trip.
		b, err := Marshal(v)
		if err != nil {
			t.Errorf("#%d (%s): Marshal: %v", i, f.Note, err)
			continue
		}
		back, err := Unmarshal(b)
		if err != nil || !reflect.DeepEqual(back, any(v)) {
			t.Errorf("#%d (%s): CBOR round trip = %#v, %v; want %#v", i, f.Note, back, err, v)
		}
	}
	t.Logf("%d valid data-model entries accepted", len(fixtures))
}

func TestDataModelInvalid(t *testing.T) {
	fixtures := readFixtures(t, "data-model/data-model-invalid.json")
	// The sentinel each entry must fail with, by note.
	want := map[string]error{
		"top-level not an object":        ErrWrongType,
		"float":                          ErrUnsupported,
		"record with $type null":         ErrInvalidType,
		"record with $type wrong type":   ErrInvalidType,
		"record with empty $type string": ErrInvalidType,
		"blob with string size":          ErrInvalidBlob,
		"blob with missing key":          ErrInvalidBlob,
		"bytes with wrong field type":    ErrInvalidBytes,
		"bytes with extra fields":        ErrInvalidBytes,
		"link with wrong field type":     ErrInvalidLink,
		"link with bogus CID":            ErrInvalidCID,
		"link with extra fields":         ErrInvalidLink,
	}
	for i, f := range fixtures {
		_, err := FromJSONObject(f.JSON)
		if err == nil {
			t.Errorf("#%d (%s): FromJSONObject accepted %s", i, f.Note, f.JSON)
			continue
		}
		sentinel, ok := want[f.Note]
		if !ok {
			t.Errorf("#%d (%s): no expected error listed; got %v", i, f.Note, err)
			continue
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("#%d (%s): error %v, want %v", i, f.Note, err, sentinel)
		}
	}
	t.Logf("%d invalid data-model entries rejected", len(fixtures))
}

func TestFeedPostRecord(t *testing.T) {
	data := testvectors.Read(t, "extra/indigo/atproto/atdata/feedpost_record.cbor")
	v, err := Unmarshal(data)
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("re-encoding differs\n got %x\nwant %x", got, data)
	}
	blobs := Blobs(v)
	if len(blobs) != 1 || blobs[0].MimeType != "image/jpeg" || blobs[0].Size != 751473 {
		t.Errorf("Blobs = %+v, want one image/jpeg blob of 751473 bytes", blobs)
	}
	js, err := ToJSON(v)
	if err != nil {
		t.Fatalf("ToJSON: %v", err)
	}
	back, err := FromJSON(js)
	if err != nil || !reflect.DeepEqual(back, v) {
		t.Fatalf("JSON round trip = %v, %v", back, err)
	}
	t.Logf("feedpost_record.cbor: %d bytes decode and re-encode byte-identically", len(data))
}

func TestCIDSyntaxVectors(t *testing.T) {
	valid := testvectors.RawLines(t, "syntax/cid_syntax_valid.txt")
	invalid := testvectors.RawLines(t, "syntax/cid_syntax_invalid.txt")
	parsed := 0
	for _, s := range valid {
		if err := ValidateCIDSyntax(s); err != nil {
			t.Errorf("ValidateCIDSyntax(%q) = %v, want nil", s, err)
		}
		if _, err := ParseCIDString(s); err == nil {
			parsed++
		} else if !errors.Is(err, ErrInvalidCID) {
			t.Errorf("ParseCIDString(%q) = %v, want nil or ErrInvalidCID", s, err)
		}
	}
	spaced := 0
	for _, s := range invalid {
		if s != trimSpace(s) {
			spaced++
		}
		if err := ValidateCIDSyntax(s); !errors.Is(err, ErrInvalidCID) {
			t.Errorf("ValidateCIDSyntax(%q) = %v, want ErrInvalidCID", s, err)
		}
		if _, err := ParseCIDString(s); !errors.Is(err, ErrInvalidCID) {
			t.Errorf("ParseCIDString(%q) = %v, want ErrInvalidCID", s, err)
		}
	}
	if spaced == 0 {
		t.Error("no invalid vector has surrounding space: RawLines trimmed them")
	}
	t.Logf("CID syntax: %d valid accepted (%d of them also parse as CIDv1), %d invalid rejected (%d with surrounding space)",
		len(valid), parsed, len(invalid), spaced)
}

func trimSpace(s string) string { return string(bytes.TrimSpace([]byte(s))) }
