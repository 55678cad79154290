package bench

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/boltsky/boltsky/atp/dagcbor"
)

// frame encodes a message frame {op: 1, t: kind} followed by body.
func frame(tb testing.TB, op int64, kind string, body map[string]any) []byte {
	tb.Helper()
	hdr := map[string]any{"op": op}
	if kind != "" {
		hdr["t"] = kind
	}
	out, err := dagcbor.Marshal(hdr)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := dagcbor.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, b...)
}

func TestParseFrame(t *testing.T) {
	commit := dagcbor.SumCBOR([]byte("a commit"))
	commitBody := map[string]any{
		"seq": int64(7), "rebase": false, "tooBig": false, "repo": "did:web:alice.test", "commit": commit,
		"rev": "3kabc", "since": nil, "blocks": []byte{1, 2, 3}, "ops": []any{}, "blobs": []any{}, "time": "2026-01-01T00:00:00.000Z",
	}
	tests := []struct {
		name    string
		frame   []byte
		want    string
		wantErr string
	}{
		{"commit", frame(t, 1, "#commit", commitBody), commit.KeyString(), ""},
		{"identity", frame(t, 1, "#identity", map[string]any{"seq": int64(1), "did": "did:web:a.test", "time": "x"}), "", ""},
		{"error frame", frame(t, -1, "", map[string]any{"error": "ConsumerTooSlow", "message": "slow"}), "", "ConsumerTooSlow"},
		{"commit without commit", frame(t, 1, "#commit", map[string]any{"seq": int64(1)}), "", "without a commit"},
		{"garbage", []byte{0xff}, "", "frame header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFrame(tt.frame)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, errFirehose) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseFrame = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadInto(t *testing.T) {
	msg := bytes.Repeat([]byte("frame bytes "), 1000)
	buf := make([]byte, 3, 5)
	got, err := readInto(buf[:0], iotest.OneByteReader(bytes.NewReader(msg)))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("readInto: %d bytes, %v", len(got), err)
	}
	got, err = readInto(got[:0], iotest.ErrReader(errFirehose))
	if !errors.Is(err, errFirehose) || len(got) != 0 {
		t.Fatalf("readInto of a failing reader: %d bytes, %v", len(got), err)
	}
}
