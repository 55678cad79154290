package lexicon_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
)

// recordCase is one entry of testdata/records.json: a realistic record of
// an app.bsky collection, valid or broken, with the error it gives.
type recordCase struct {
	Name       string          `json:"name"`
	Collection string          `json:"collection"`
	Valid      bool            `json:"valid"`
	Error      string          `json:"error"`
	Record     json.RawMessage `json:"record"`
}

func readRecordCases(tb testing.TB) []recordCase {
	tb.Helper()
	b, err := os.ReadFile("testdata/records.json")
	if err != nil {
		tb.Fatal(err)
	}
	var cases []recordCase
	if err := json.Unmarshal(b, &cases); err != nil {
		tb.Fatal(err)
	}
	return cases
}

// TestRecords validates the realistic records of testdata/records.json,
// decoded strictly as the server decodes them, against the embedded
// catalog.
func TestRecords(t *testing.T) {
	cat := MustEmbedded(t)
	cases := readRecordCases(t)
	valid := 0
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			rec, err := dagcbor.FromJSONObject(tc.Record)
			if err != nil {
				t.Fatal(err)
			}
			err = cat.ValidateRecord(tc.Collection, rec)
			if tc.Valid {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				valid++
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if err.Error() != tc.Error {
				t.Errorf("error %q\nwant      %q", err, tc.Error)
			}
			if !errors.Is(err, lexicon.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
	t.Logf("%d records: %d valid, %d invalid", len(cases), valid, len(cases)-valid)
}
