package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestWriterBody(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 3*bodyChunk/16+7)
	errCut := errors.New("cut")
	tests := []struct {
		name    string
		fail    bool
		pull    bool
		wantErr error
	}{
		{name: "write to", pull: false},
		{name: "read", pull: true},
		{name: "write to, failing", pull: false, fail: true, wantErr: errCut},
		{name: "read, failing", pull: true, fail: true, wantErr: errCut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &writerBody{write: func(w *bufio.Writer) error {
				// Small pieces, as a CAR writer makes them, gathered
				// into chunks of bodyChunk bytes.
				for rest := want; len(rest) > 0; {
					n := min(len(rest), 1000)
					if _, err := w.Write(rest[:n]); err != nil {
						return err
					}
					rest = rest[n:]
				}
				if tt.fail {
					return errCut
				}
				return nil
			}}
			var got bytes.Buffer
			var writes int
			var err error
			if tt.pull {
				_, err = io.Copy(&got, struct{ io.Reader }{body})
				if cerr := body.Close(); cerr != nil {
					t.Fatalf("Close: %v", cerr)
				}
			} else {
				var n int64
				n, err = body.WriteTo(writeCounter{&got, &writes})
				if err == nil && n != int64(len(want)) {
					t.Errorf("WriteTo reported %d bytes, want %d", n, len(want))
				}
				if err == nil && writes != (len(want)+bodyChunk-1)/bodyChunk {
					t.Errorf("%d writes for %d bytes, want chunks of %d", writes, len(want), bodyChunk)
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !bytes.Equal(got.Bytes(), want) {
				t.Errorf("got %d bytes, want %d", got.Len(), len(want))
			}
		})
	}
}

type writeCounter struct {
	w io.Writer
	n *int
}

func (c writeCounter) Write(p []byte) (int, error) {
	*c.n++
	return c.w.Write(p)
}
