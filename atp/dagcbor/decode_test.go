package dagcbor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sentinels names the errors a testdata file may expect.
var sentinels = map[string]error{
	"ErrMalformed":     ErrMalformed,
	"ErrNotCanonical":  ErrNotCanonical,
	"ErrUnsupported":   ErrUnsupported,
	"ErrLimit":         ErrLimit,
	"ErrTrailingBytes": ErrTrailingBytes,
	"ErrWrongType":     ErrWrongType,
	"ErrInvalidCID":    ErrInvalidCID,
}

type hexCase struct {
	name string
	note string // the comment line
	data []byte
}

// readHexDir reads testdata/<dir>/*.hex: a '#' comment line, then hex
// digits over any number of lines.
func readHexDir(t *testing.T, dir string) []hexCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.hex"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/%s: %v", dir, err)
	}
	var out []hexCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := hexCase{name: strings.TrimSuffix(filepath.Base(f), ".hex")}
		var digits strings.Builder
		for _, line := range strings.Split(string(raw), "\n") {
			line = strings.TrimSpace(line)
			if rest, ok := strings.CutPrefix(line, "#"); ok {
				c.note = strings.TrimSpace(rest)
				continue
			}
			digits.WriteString(line)
		}
		if c.data, err = hex.DecodeString(digits.String()); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, c)
	}
	return out
}

func TestMalformedVectors(t *testing.T) {
	cases := readHexDir(t, "malformed")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name, _, _ := strings.Cut(c.note, ":")
			want, ok := sentinels[name]
			if !ok {
				t.Fatalf("comment %q does not start with a known sentinel", c.note)
			}
			if err := Validate(c.data); !errors.Is(err, want) {
				t.Errorf("Validate(%x) = %v, want %v (%s)", c.data, err, want, c.note)
			}
			if v, err := Unmarshal(c.data); !errors.Is(err, want) {
				t.Errorf("Unmarshal(%x) = %#v, %v; want %v (%s)", c.data, v, err, want, c.note)
			}
		})
	}
	t.Logf("%d malformed inputs rejected with the expected sentinel", len(cases))
}

func TestWellFormedVectors(t *testing.T) {
	cases := readHexDir(t, "wellformed")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Validate(c.data); err != nil {
				t.Fatalf("Validate: %v (%s)", err, c.note)
			}
			v, err := Unmarshal(c.data)
			if err != nil {
				t.Fatalf("Unmarshal: %v (%s)", err, c.note)
			}
			got, err := Marshal(v)
			if err != nil || !bytes.Equal(got, c.data) {
				t.Fatalf("Marshal = %x, %v; want %x", got, err, c.data)
			}
		})
	}
	t.Logf("%d well-formed inputs round-trip", len(cases))
}

func TestDecodeOptions(t *testing.T) {
	nested := func(n int) []byte { return append(bytes.Repeat([]byte{0x81}, n), 0) }
	tests := []struct {
		name string
		opts DecodeOptions
		data []byte
		want error
	}{
		{"size at limit", DecodeOptions{MaxSize: 3}, []byte{0x82, 1, 2}, nil},
		{"size over limit", DecodeOptions{MaxSize: 2}, []byte{0x82, 1, 2}, ErrLimit},
		{"no size limit", DecodeOptions{MaxSize: -1}, []byte{0x82, 1, 2}, nil},
		{"depth at limit", DecodeOptions{MaxDepth: 3}, nested(3), nil},
		{"depth over limit", DecodeOptions{MaxDepth: 3}, nested(4), ErrLimit},
		{"depth default", DecodeOptions{}, nested(DefaultMaxDepth), nil},
		{"depth default over", DecodeOptions{}, nested(DefaultMaxDepth + 1), ErrLimit},
		{"container at limit", DecodeOptions{MaxContainerLen: 2}, []byte{0x82, 1, 2}, nil},
		{"container over limit", DecodeOptions{MaxContainerLen: 2}, []byte{0x83, 1, 2, 3}, ErrLimit},
		{"map over limit", DecodeOptions{MaxContainerLen: 1}, []byte{0xa2, 0x61, 'a', 1, 0x61, 'b', 2}, ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.opts.Validate(tt.data); !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Errorf("Validate = %v, want %v", err, tt.want)
			}
			if _, err := tt.opts.Unmarshal(tt.data); !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Errorf("Unmarshal = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyLengthLimit(t *testing.T) {
	for _, n := range []int{MaxKeyLen, MaxKeyLen + 1} {
		key := strings.Repeat("k", n)
		data := AppendText(AppendMapHeader(nil, 1), key)
		data = AppendNull(data)
		var want error
		if n > MaxKeyLen {
			want = ErrLimit
		}
		if err := Validate(data); !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Errorf("Validate(key of %d) = %v, want %v", n, err, want)
		}
		if _, err := Unmarshal(data); !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Errorf("Unmarshal(key of %d) = %v, want %v", n, err, want)
		}
		if _, err := Marshal(map[string]any{key: nil}); !errors.Is(err, want) && !(err == nil && want == nil) {
			t.Errorf("Marshal(key of %d) = %v, want %v", n, err, want)
		}
	}
}

func TestUnmarshalDoesNotAlias(t *testing.T) {
	data, err := Marshal(map[string]any{"s": "text", "b": []byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 0xff
	}
	want := map[string]any{"s": "text", "b": []byte{1, 2, 3}}
	if !reflect.DeepEqual(v, any(want)) {
		t.Fatalf("decoded value changed with its input: %#v", v)
	}
}
