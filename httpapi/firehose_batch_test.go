package httpapi

import (
	"bytes"
	"testing"

	pdssync "github.com/boltsky/boltsky/sync"
)

func TestGatherFrames(t *testing.T) {
	small := pdssync.Frame{Data: bytes.Repeat([]byte{1}, 100)}
	large := pdssync.Frame{Data: bytes.Repeat([]byte{2}, batchBytes)}
	tests := []struct {
		name       string
		queued     []pdssync.Frame
		close      bool
		wantFrames int
		wantEnded  bool
	}{
		{name: "nothing queued", wantFrames: 1},
		{name: "a few queued", queued: []pdssync.Frame{small, small, small}, wantFrames: 4},
		{name: "more than a batch", queued: repeatFrame(small, 300), wantFrames: batchFrames},
		{name: "a large frame fills the batch", queued: []pdssync.Frame{large, small}, wantFrames: 2},
		{name: "ended", queued: []pdssync.Frame{small}, close: true, wantFrames: 2, wantEnded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := make(chan pdssync.Frame, len(tt.queued))
			for _, f := range tt.queued {
				ch <- f
			}
			if tt.close {
				close(ch)
			}
			buf, ended := gatherFrames(nil, small, ch)
			if ended != tt.wantEnded {
				t.Errorf("ended %v, want %v", ended, tt.wantEnded)
			}
			var want []byte
			want = appendBinaryMessage(want, small.Data)
			for _, f := range tt.queued[:tt.wantFrames-1] {
				want = appendBinaryMessage(want, f.Data)
			}
			if !bytes.Equal(buf, want) {
				t.Errorf("batch of %d bytes, want %d frames in %d bytes", len(buf), tt.wantFrames, len(want))
			}
		})
	}
}

func TestAppendBinaryMessage(t *testing.T) {
	tests := []struct {
		size int
		head []byte
	}{
		{0, []byte{0x82, 0}},
		{125, []byte{0x82, 125}},
		{126, []byte{0x82, 126, 0, 126}},
		{65535, []byte{0x82, 126, 0xff, 0xff}},
		{65536, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		payload := bytes.Repeat([]byte{7}, tt.size)
		got := appendBinaryMessage([]byte{9}, payload)
		want := append(append([]byte{9}, tt.head...), payload...)
		if !bytes.Equal(got, want) {
			t.Errorf("%d bytes: header % x, want % x", tt.size, got[1:min(len(got), 11)], tt.head)
		}
	}
}

func repeatFrame(f pdssync.Frame, n int) []pdssync.Frame {
	out := make([]pdssync.Frame, n)
	for i := range out {
		out[i] = f
	}
	return out
}
