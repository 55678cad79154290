package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds the nesting of a schema file.
const maxDepth = 64

// value is a JSON value that keeps the order of object keys.
type value struct {
	kind    byte // '{', '[', '"', or 'l' for a literal (number, true, false, null)
	members []member
	items   []value
	text    string // the string, or the literal as written
}

type member struct {
	key string
	val value
}

// rewrite returns the vendored form of one schema file: descriptions
// removed, keys in their original order, two-space indentation and a final
// newline.
func rewrite(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the top-level value")
	}
	if v.kind != '{' {
		return nil, errors.New("top-level value is not an object")
	}
	v = strip(v, "")
	var buf bytes.Buffer
	if err := write(&buf, v, 0); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func decode(dec *json.Decoder, depth int) (value, error) {
	if depth > maxDepth {
		return value{}, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return value{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := value{kind: '{'}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return value{}, err
				}
				key := kt.(string) // the decoder only yields string keys
				if seen[key] {
					return value{}, fmt.Errorf("repeated key %q", key)
				}
				seen[key] = true
				val, err := decode(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.members = append(v.members, member{key, val})
			}
			_, err := dec.Token() // '}'
			return v, err
		case '[':
			v := value{kind: '['}
			for dec.More() {
				item, err := decode(dec, depth+1)
				if err != nil {
					return value{}, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token() // ']'
			return v, err
		}
		return value{}, fmt.Errorf("unexpected %v", t)
	case string:
		return value{kind: '"', text: t}, nil
	case json.Number:
		return value{kind: 'l', text: t.String()}, nil
	case bool:
		if t {
			return value{kind: 'l', text: "true"}, nil
		}
		return value{kind: 'l', text: "false"}, nil
	case nil:
		return value{kind: 'l', text: "null"}, nil
	}
	return value{}, fmt.Errorf("unexpected token %v", tok)
}

// strip removes every "description" member whose value is a string. The
// members of "properties" and "defs" objects are names chosen by the schema
// author (a record may well have a property called "description"), so
// those are kept; their values are stripped in turn.
func strip(v value, parentKey string) value {
	switch v.kind {
	case '{':
		names := parentKey == "properties" || parentKey == "defs"
		out := v.members[:0:0]
		for _, m := range v.members {
			if !names && m.key == "description" && m.val.kind == '"' {
				continue
			}
			out = append(out, member{m.key, strip(m.val, m.key)})
		}
		v.members = out
	case '[':
		items := make([]value, len(v.items))
		for i, item := range v.items {
			items[i] = strip(item, "")
		}
		v.items = items
	}
	return v
}

func write(buf *bytes.Buffer, v value, indent int) error {
	switch v.kind {
	case '{':
		if len(v.members) == 0 {
			buf.WriteString("{}")
			return nil
		}
		buf.WriteString("{\n")
		for i, m := range v.members {
			pad(buf, indent+1)
			if err := writeString(buf, m.key); err != nil {
				return err
			}
			buf.WriteString(": ")
			if err := write(buf, m.val, indent+1); err != nil {
				return err
			}
			if i < len(v.members)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		pad(buf, indent)
		buf.WriteByte('}')
	case '[':
		if len(v.items) == 0 {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteString("[\n")
		for i, item := range v.items {
			pad(buf, indent+1)
			if err := write(buf, item, indent+1); err != nil {
				return err
			}
			if i < len(v.items)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		pad(buf, indent)
		buf.WriteByte(']')
	case '"':
		return writeString(buf, v.text)
	default:
		buf.WriteString(v.text)
	}
	return nil
}

func pad(buf *bytes.Buffer, n int) {
	for range n {
		buf.WriteString("  ")
	}
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode appends a newline
	return nil
}
