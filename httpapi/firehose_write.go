package httpapi

import (
	"encoding/binary"
	"sync"

	"github.com/fasthttp/websocket"

	pdssync "github.com/boltsky/boltsky/sync"
)

// Batching of firehose frames: a subscriber's queued frames are framed
// as websocket messages back to back and written to its connection in one
// call, so a subscriber that has fallen a few frames behind costs one
// system call for all of them rather than one each.
const (
	// batchFrames is the most frames written in one call.
	batchFrames = 128
	// batchBytes is roughly the most bytes written in one call; one frame
	// larger than this goes alone.
	batchBytes = 256 << 10
	// keptBatchBuffer is the largest buffer kept for reuse.
	keptBatchBuffer = batchBytes + 64<<10
)

// batchBuffers recycles the buffers of frame batches across subscribers.
type batchBuffers struct{ pool sync.Pool }

func (b *batchBuffers) get() []byte {
	if v, ok := b.pool.Get().(*[]byte); ok {
		return (*v)[:0]
	}
	return make([]byte, 0, 64<<10)
}

func (b *batchBuffers) put(buf []byte) {
	if cap(buf) <= keptBatchBuffer {
		b.pool.Put(&buf)
	}
}

// appendBinaryMessage appends payload as one unmasked, unfragmented
// websocket binary message (RFC 6455 §5.2), as a server sends it.
func appendBinaryMessage(dst, payload []byte) []byte {
	const finBinary = 0x80 | websocket.BinaryMessage
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, finBinary, byte(n))
	case n <= 0xffff:
		dst = append(dst, finBinary, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, finBinary, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

// gatherFrames appends first and then every frame already waiting on
// frames, as websocket messages, up to batchFrames frames or batchBytes
// bytes. ended reports that frames was found closed.
func gatherFrames(dst []byte, first pdssync.Frame, frames <-chan pdssync.Frame) (out []byte, ended bool) {
	dst = appendBinaryMessage(dst, first.Data)
	for n := 1; n < batchFrames && len(dst) < batchBytes; n++ {
		select {
		case f, ok := <-frames:
			if !ok {
				return dst, true
			}
			dst = appendBinaryMessage(dst, f.Data)
		default:
			return dst, false
		}
	}
	return dst, false
}
