package dagcbor

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
)

// This file keeps the generic codec built on fxamacker/cbor, which the
// package documentation compares with the hand-written one: the tests
// check that both agree, and the benchmarks time both.

// fxLink carries a cid.Cid through fxamacker's encoder as a tag-42 link.
type fxLink cid.Cid

// MarshalCBOR writes the link with the package's own primitive.
func (l fxLink) MarshalCBOR() ([]byte, error) {
	return AppendLink(nil, cid.Cid(l)), nil
}

// fxCodec holds fxamacker modes configured for DAG-CBOR, built once.
type fxCodec struct {
	enc cbor.EncMode
	dec cbor.DecMode
}

func newFxCodec() (*fxCodec, error) {
	enc, err := cbor.EncOptions{
		Sort:          cbor.SortLengthFirst,
		IndefLength:   cbor.IndefLengthForbidden,
		ShortestFloat: cbor.ShortestFloat16,
	}.EncMode()
	if err != nil {
		return nil, err
	}
	dec, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  2 * DefaultMaxDepth,
		MaxArrayElements: DefaultMaxContainerLen,
		MaxMapPairs:      DefaultMaxContainerLen,
		IntDec:           cbor.IntDecConvertSignedOrFail,
		DefaultMapType:   reflect.TypeFor[map[string]any](),
	}.DecMode()
	if err != nil {
		return nil, err
	}
	return &fxCodec{enc: enc, dec: dec}, nil
}

// fxCodecOnce builds the shared test codec on first use.
var fxCodecOnce = sync.OnceValues(newFxCodec)

func mustFxCodec() *fxCodec {
	c, err := fxCodecOnce()
	if err != nil {
		panic(err)
	}
	return c
}

// Marshal encodes v: a copy of v with links wrapped for fxamacker.
func (c *fxCodec) Marshal(v any) ([]byte, error) {
	return c.enc.Marshal(toFx(v))
}

func toFx(v any) any {
	switch v := v.(type) {
	case cid.Cid:
		return fxLink(v)
	case Blob:
		return toFx(v.Value())
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = toFx(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = toFx(item)
		}
		return out
	}
	return v
}

// Unmarshal checks data with Validate (the canonical rules fxamacker
// does not enforce), decodes it with fxamacker and turns tag-42 values
// into cid.Cid in place.
func (c *fxCodec) Unmarshal(data []byte) (any, error) {
	if err := Validate(data); err != nil {
		return nil, err
	}
	var v any
	if err := c.dec.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return fromFx(v)
}

func fromFx(v any) (any, error) {
	switch v := v.(type) {
	case cbor.Tag:
		b, ok := v.Content.([]byte)
		if v.Number != TagCID || !ok || len(b) < 2 || b[0] != 0 {
			return nil, fmt.Errorf("%w: tag %d", ErrUnsupported, v.Number)
		}
		return ParseCID(b[1:])
	case []any:
		for i, item := range v {
			x, err := fromFx(item)
			if err != nil {
				return nil, err
			}
			v[i] = x
		}
	case map[string]any:
		for k, item := range v {
			switch item.(type) {
			case cbor.Tag, []any, map[string]any:
				x, err := fromFx(item)
				if err != nil {
					return nil, err
				}
				v[k] = x
			}
		}
	}
	return v, nil
}

// TestFxamackerAgrees checks that the fxamacker-based codec kept for
// comparison writes and reads exactly what the hand-written one does.
func TestFxamackerAgrees(t *testing.T) {
	fx := mustFxCodec()
	g := newValueGen(2)
	for i := range 2000 {
		v := g.value(8)
		ours, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v", i, err)
		}
		theirs, err := fx.Marshal(v)
		if err != nil {
			t.Fatalf("#%d: fxamacker Marshal: %v", i, err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("#%d: encodings differ for %#v\n ours %x\n   fx %x", i, v, ours, theirs)
		}
		back, err := fx.Unmarshal(ours)
		if err != nil {
			t.Fatalf("#%d: fxamacker Unmarshal: %v", i, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("#%d: fxamacker Unmarshal = %#v, want %#v", i, back, v)
		}
	}
}
