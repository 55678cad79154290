package sync

import (
	"fmt"
	"time"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// TimeLayout is how frames write the time field: RFC 3339 in UTC with
// milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Frame is one encoded firehose frame and its seq (zero for frames
// without one, such as #info).
type Frame struct {
	Seq  uint64
	Data []byte
}

// appendHeader appends a message frame header {t: kind, op: 1}.
func appendHeader(dst []byte, kind string) []byte {
	dst = dagcbor.AppendMapHeader(dst, 2)
	dst = dagcbor.AppendText(dst, "t")
	dst = dagcbor.AppendText(dst, kind)
	dst = dagcbor.AppendText(dst, "op")
	return dagcbor.AppendInt(dst, 1)
}

// EncodeFrame encodes ev as a frame with the given seq and time.
func EncodeFrame(ev *actor.Event, seq uint64, t time.Time) ([]byte, error) {
	ts := t.UTC().Format(TimeLayout)
	out := make([]byte, 0, len(ev.Body)+len(ev.Kind)+48)
	out = appendHeader(out, string(ev.Kind))
	return spliceSeqTime(out, ev.Body, seq, ts)
}

// spliceSeqTime appends body (a canonical map without "seq" and "time")
// with those two fields added in canonical key order.
func spliceSeqTime(dst, body []byte, seq uint64, ts string) ([]byte, error) {
	r := dagcbor.NewReader(body)
	n, err := r.MapHeader()
	if err != nil {
		return nil, fmt.Errorf("sync: event body: %w", err)
	}
	dst = dagcbor.AppendMapHeader(dst, n+2)
	seqDone, timeDone := false, false
	for range n {
		start := r.Offset()
		key, err := r.MapKey()
		if err != nil {
			return nil, fmt.Errorf("sync: event body: %w", err)
		}
		k := string(key)
		if k == "seq" || k == "time" {
			return nil, fmt.Errorf("sync: event body already has %q", k)
		}
		if !seqDone && dagcbor.KeyLess("seq", k) {
			dst = appendSeq(dst, seq)
			seqDone = true
		}
		if !timeDone && dagcbor.KeyLess("time", k) {
			dst = appendTime(dst, ts)
			timeDone = true
		}
		if err := r.Skip(); err != nil {
			return nil, fmt.Errorf("sync: event body: %w", err)
		}
		dst = append(dst, body[start:r.Offset()]...)
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("sync: event body: %w", err)
	}
	if !seqDone {
		dst = appendSeq(dst, seq)
	}
	if !timeDone {
		dst = appendTime(dst, ts)
	}
	return dst, nil
}

func appendSeq(dst []byte, seq uint64) []byte {
	dst = dagcbor.AppendText(dst, "seq")
	return dagcbor.AppendInt(dst, int64(seq))
}

func appendTime(dst []byte, ts string) []byte {
	dst = dagcbor.AppendText(dst, "time")
	return dagcbor.AppendText(dst, ts)
}

// InfoFrame encodes an #info frame {name, message}.
func InfoFrame(name, message string) []byte {
	out := appendHeader(nil, "#info")
	n := 1
	if message != "" {
		n = 2
	}
	out = dagcbor.AppendMapHeader(out, n)
	out = dagcbor.AppendText(out, "name")
	out = dagcbor.AppendText(out, name)
	if message != "" {
		out = dagcbor.AppendText(out, "message")
		out = dagcbor.AppendText(out, message)
	}
	return out
}

// ErrorFrame encodes an error frame: header {op: -1}, then {error,
// message}.
func ErrorFrame(name, message string) []byte {
	out := dagcbor.AppendMapHeader(nil, 1)
	out = dagcbor.AppendText(out, "op")
	out = dagcbor.AppendInt(out, -1)
	n := 1
	if message != "" {
		n = 2
	}
	out = dagcbor.AppendMapHeader(out, n)
	out = dagcbor.AppendText(out, "error")
	out = dagcbor.AppendText(out, name)
	if message != "" {
		out = dagcbor.AppendText(out, "message")
		out = dagcbor.AppendText(out, message)
	}
	return out
}
