package lexicon_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
)

// FuzzValidateRecord feeds JSON through dagcbor.FromJSON (and through the
// looser decoder of the vector tests) into ValidateRecord, against the
// interop example record and against the embedded catalog by "$type". It
// must never panic, and every error must be an *Error wrapping ErrInvalid,
// or wrap ErrNotFound. Seeds are in testdata/fuzz/FuzzValidateRecord.
func FuzzValidateRecord(f *testing.F) {
	interop := MustInterop(f)
	embedded := MustEmbedded(f)
	f.Add([]byte(`{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2024-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []map[string]any
		if v, err := dagcbor.FromJSONObject(data); err == nil {
			recs = append(recs, v)
		}
		if v, ok := looseObject(data); ok {
			recs = append(recs, v)
		}
		for _, rec := range recs {
			check := func(err error) {
				if err == nil {
					return
				}
				var verr *lexicon.Error
				if !(errors.As(err, &verr) && errors.Is(err, lexicon.ErrInvalid)) && !errors.Is(err, lexicon.ErrNotFound) {
					t.Fatalf("unexpected error %T: %v", err, err)
				}
				_ = err.Error()
			}
			check(interop.ValidateRecord("example.lexicon.record", rec))
			if typ, ok := rec["$type"].(string); ok {
				check(embedded.ValidateRecord(typ, rec))
				check(embedded.ValidateInput(typ, rec))
				check(embedded.Validate(typ, rec))
			}
		}
	})
}

// looseObject decodes like MustLooseJSON without failing the test.
func looseObject(data []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if dec.Decode(&raw) != nil {
		return nil, false
	}
	v, err := looseValue(raw)
	m, ok := v.(map[string]any)
	return m, err == nil && ok
}
