package lexicon_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// MustLooseJSON decodes the atproto JSON form like dagcbor.FromJSON, but
// with the looser data-model checks of the reference validators that the
// interop record vectors assume: "$bytes" may have non-zero trailing bits
// and a blob "ref" may link any CID codec. The lexicon vectors test the
// lexicon, not the data model, so they go through this decoder.
func MustLooseJSON(tb testing.TB, data []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		tb.Fatalf("cannot decode JSON: %v", err)
	}
	v, err := looseValue(raw)
	if err != nil {
		tb.Fatalf("cannot decode JSON: %v", err)
	}
	return v
}

func looseValue(raw any) (any, error) {
	switch x := raw.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return nil, fmt.Errorf("not an integer: %s", x)
		}
		return n, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			v, err := looseValue(item)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if s, ok := x["$link"].(string); ok && len(x) == 1 {
			return cid.Decode(s)
		}
		if s, ok := x["$bytes"].(string); ok && len(x) == 1 {
			return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		}
		out := make(map[string]any, len(x))
		for k, item := range x {
			v, err := looseValue(item)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return raw, nil
}
