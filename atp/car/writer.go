package car

import (
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
)

// writerBufSize is the size of a Writer's buffer. A block that does not
// fit is written to the underlying writer straight from the caller's
// slice.
const writerBufSize = 32 << 10

// Writer writes a CARv1 to an io.Writer through an internal buffer. After
// the first error every call returns that error. Callers must call Flush
// at the end. A Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer whose CAR names roots, in order, in its
// header. The header is buffered, not yet written. It fails with
// ErrUndefinedCID if a root is cid.Undef. Zero roots give a header that
// Options.AllowNoRoots must accept.
func NewWriter(w io.Writer, roots ...cid.Cid) (*Writer, error) {
	for i, c := range roots {
		if !c.Defined() {
			return nil, fmt.Errorf("%w: root %d", ErrUndefinedCID, i)
		}
	}
	buf := make([]byte, 0, max(writerBufSize, HeaderLen(roots...)))
	return &Writer{w: w, buf: AppendHeader(buf, roots...)}, nil
}

// WriteBlock writes one section: c and data. It does not check that data
// hashes to c. It fails with ErrUndefinedCID if c is cid.Undef. Once
// buffered, data is no longer referenced, so the caller may reuse it. In
// steady state it does not allocate.
func (w *Writer) WriteBlock(c cid.Cid, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if !c.Defined() {
		return fmt.Errorf("%w: block of %d bytes", ErrUndefinedCID, len(data))
	}
	n := BlockLen(c, len(data))
	if len(w.buf)+n <= cap(w.buf) {
		w.buf = AppendBlock(w.buf, c, data)
		return nil
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if n <= cap(w.buf) {
		w.buf = AppendBlock(w.buf, c, data)
		return nil
	}
	// Larger than the buffer: frame it in the buffer, send the data as is.
	key := c.KeyString()
	w.buf = appendUvarint(w.buf, uint64(len(key)+len(data)))
	w.buf = append(w.buf, key...)
	if err := w.Flush(); err != nil {
		return err
	}
	return w.write(data)
}

// Flush writes any buffered data to the underlying io.Writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	err := w.write(w.buf)
	w.buf = w.buf[:0]
	return err
}

func (w *Writer) write(p []byte) error {
	n, err := w.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("car: cannot write: %w", err)
		return w.err
	}
	return nil
}
