package lexicon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxSchemaDepth bounds the nesting of a schema document.
const maxSchemaDepth = 64

// jsonKind is the kind of a jsonValue.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

var jsonKindNames = [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}

func (k jsonKind) String() string { return jsonKindNames[k] }

// jsonValue is a JSON value of a schema document that keeps the order of
// object members, so properties are checked in the order the schema
// declares them.
type jsonValue struct {
	kind    jsonKind
	text    string // a string, or a number as written
	boolean bool
	items   []jsonValue  // jsonArray
	members []jsonMember // jsonObject, no key repeated
}

type jsonMember struct {
	key string
	val jsonValue
}

// get returns the member named key of an object, or nil.
func (v *jsonValue) get(key string) *jsonValue {
	for i := range v.members {
		if v.members[i].key == key {
			return &v.members[i].val
		}
	}
	return nil
}

// decodeJSON parses one JSON value, refusing repeated keys and trailing
// data.
func decodeJSON(data []byte) (jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec, 0)
	if err != nil {
		return jsonValue{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return jsonValue{}, errors.New("data after the JSON value")
	}
	return v, nil
}

func decodeJSONValue(dec *json.Decoder, depth int) (jsonValue, error) {
	if depth > maxSchemaDepth {
		return jsonValue{}, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonValue{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			v := jsonValue{kind: jsonArray}
			for dec.More() {
				item, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return jsonValue{}, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token()
			return v, err
		}
		v := jsonValue{kind: jsonObject}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return jsonValue{}, err
			}
			key, _ := kt.(string)
			if v.get(key) != nil {
				return jsonValue{}, fmt.Errorf("repeated key %q", key)
			}
			val, err := decodeJSONValue(dec, depth+1)
			if err != nil {
				return jsonValue{}, err
			}
			v.members = append(v.members, jsonMember{key, val})
		}
		_, err := dec.Token()
		return v, err
	case string:
		return jsonValue{kind: jsonString, text: t}, nil
	case json.Number:
		return jsonValue{kind: jsonNumber, text: string(t)}, nil
	case bool:
		return jsonValue{kind: jsonBool, boolean: t}, nil
	}
	return jsonValue{kind: jsonNull}, nil
}
