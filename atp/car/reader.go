package car

import (
	"fmt"
	"io"
	"slices"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// readerBufSize is the initial size of a Reader's buffer. It grows, never
// past the limits in Options, only to hold a header or section larger
// than itself, and only as that section's bytes arrive.
const readerBufSize = 16 << 10

// maxEmptyReads is how many times in a row the underlying reader may
// return no bytes and no error before Reader gives up.
const maxEmptyReads = 100

// Reader reads a CARv1 from an io.Reader, one block at a time, within the
// limits of its Options. It may read ahead of the CAR's end. A Reader is
// not safe for concurrent use.
type Reader struct {
	r     io.Reader
	opts  Options
	roots []cid.Cid

	// buf[start:end] holds bytes read but not yet consumed.
	buf        []byte
	start, end int
	maxBuf     int   // largest buf allowed by the limits
	rerr       error // sticky error from r, io.EOF included

	offset int64 // bytes consumed: the offset of the next section
	blocks int   // sections returned
	err    error // sticky error returned by Next
}

// NewReader reads and checks the header of the CAR in r. Limits left zero
// in opts take their defaults.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	cr, err := newReader(r, opts)
	if err != nil {
		return nil, err
	}
	return cr, nil
}

// newReader is NewReader, but returns the Reader along with a header
// error, so tests can inspect its buffer.
func newReader(r io.Reader, opts Options) (*Reader, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.EnsureDefaults()
	maxSection := opts.MaxBlockSize + dagcbor.MaxCIDBytes
	cr := &Reader{
		r:      r,
		opts:   opts,
		maxBuf: maxVarintLen + max(opts.MaxHeaderSize, maxSection),
	}
	cr.buf = make([]byte, min(readerBufSize, cr.maxBuf))
	if err := cr.readHeader(); err != nil {
		return cr, fmt.Errorf("car: cannot read header: %w", err)
	}
	return cr, nil
}

func (r *Reader) readHeader() error {
	length, n, err := r.readVarint()
	if err != nil {
		if err == io.EOF {
			return fmt.Errorf("%w: empty input: %w", ErrMalformed, io.ErrUnexpectedEOF)
		}
		return err
	}
	switch {
	case length == 0:
		return fmt.Errorf("%w: header length is zero", ErrMalformed)
	case length > uint64(r.opts.MaxHeaderSize):
		return fmt.Errorf("%w: header of %d bytes exceeds %d", ErrLimit, length, r.opts.MaxHeaderSize)
	}
	if err := r.checkTotal(n, length); err != nil {
		return err
	}
	body, err := r.consume(n, int(length))
	if err != nil {
		return err
	}
	r.roots, err = parseHeader(body, r.opts.AllowNoRoots)
	return err
}

// Roots returns the roots named in the header, in order.
func (r *Reader) Roots() []cid.Cid {
	return slices.Clone(r.roots)
}

// Next returns the next block and its CID. It returns io.EOF, and only
// then, when the input ends cleanly after the last section; after any
// error it keeps returning that error. The data slice aliases the
// Reader's buffer: it is valid only until the next call to Next, so copy
// it to keep it. Unless Options.SkipHashCheck is set, the data has been
// checked against the CID.
func (r *Reader) Next() (cid.Cid, []byte, error) {
	if r.err != nil {
		return cid.Undef, nil, r.err
	}
	offset := r.offset
	c, data, err := r.next()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("car: cannot read block %d at offset %d: %w", r.blocks, offset, err)
		}
		r.err = err
		return cid.Undef, nil, err
	}
	r.blocks++
	return c, data, nil
}

func (r *Reader) next() (cid.Cid, []byte, error) {
	length, n, err := r.readVarint()
	if err != nil {
		return cid.Undef, nil, err
	}
	switch {
	case length == 0:
		return cid.Undef, nil, fmt.Errorf("%w: section length is zero", ErrMalformed)
	case length > uint64(r.opts.MaxBlockSize+dagcbor.MaxCIDBytes):
		return cid.Undef, nil, fmt.Errorf("%w: section of %d bytes exceeds the block size limit %d", ErrLimit, length, r.opts.MaxBlockSize)
	case r.blocks >= r.opts.MaxBlocks:
		return cid.Undef, nil, fmt.Errorf("%w: more than %d blocks", ErrLimit, r.opts.MaxBlocks)
	}
	if err := r.checkTotal(n, length); err != nil {
		return cid.Undef, nil, err
	}
	sec, err := r.consume(n, int(length))
	if err != nil {
		return cid.Undef, nil, err
	}
	c, layout, err := splitCID(sec)
	if err != nil {
		return cid.Undef, nil, err
	}
	data := sec[layout.len:len(sec):len(sec)]
	if len(data) > r.opts.MaxBlockSize {
		return cid.Undef, nil, fmt.Errorf("%w: block of %d bytes exceeds %d", ErrLimit, len(data), r.opts.MaxBlockSize)
	}
	if !r.opts.SkipHashCheck {
		if err := verify(sec, layout, data); err != nil {
			return cid.Undef, nil, fmt.Errorf("%w: %s", err, c)
		}
	}
	return c, data, nil
}

// checkTotal fails when a varint of n bytes and a body of length bytes
// would take the input past MaxTotalSize.
func (r *Reader) checkTotal(n int, length uint64) error {
	if length > uint64(r.opts.MaxTotalSize) || r.offset+int64(n)+int64(length) > r.opts.MaxTotalSize {
		return fmt.Errorf("%w: CAR exceeds %d bytes", ErrLimit, r.opts.MaxTotalSize)
	}
	return nil
}

// readVarint decodes the varint at the read position without consuming
// it. It returns io.EOF if the input ends cleanly before it.
func (r *Reader) readVarint() (v uint64, n int, err error) {
	for {
		v, n, err = uvarint(r.buf[r.start:r.end])
		if err != nil || n > 0 {
			return v, n, err
		}
		have := r.end - r.start
		if err := r.fill(have + 1); err != nil {
			if err == io.EOF {
				if have == 0 {
					return 0, 0, io.EOF
				}
				return 0, 0, fmt.Errorf("%w: input ends inside a varint: %w", ErrMalformed, io.ErrUnexpectedEOF)
			}
			return 0, 0, err
		}
	}
}

// consume reads a varint of n bytes, already buffered, and the length
// bytes after it, and returns those bytes. They stay valid until the next
// call to fill.
func (r *Reader) consume(n, length int) ([]byte, error) {
	if err := r.fill(n + length); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%w: input ends inside a %d-byte section: %w", ErrMalformed, length, io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	b := r.buf[r.start+n : r.start+n+length]
	r.start += n + length
	r.offset += int64(n + length)
	return b, nil
}

// fill reads until at least want bytes are buffered. It returns io.EOF if
// the input ends first, and other errors of the underlying reader
// wrapped. want must not exceed maxBuf.
func (r *Reader) fill(want int) error {
	empty := 0
	for r.end-r.start < want {
		if r.rerr != nil {
			return r.rerr
		}
		if len(r.buf)-r.start < want {
			// Move the unread bytes to the front, and grow the buffer
			// if it is full, doubling so the work stays linear.
			copy(r.buf, r.buf[r.start:r.end])
			r.end -= r.start
			r.start = 0
			if r.end == len(r.buf) {
				bigger := make([]byte, min(2*len(r.buf), r.maxBuf))
				copy(bigger, r.buf[:r.end])
				r.buf = bigger
			}
		}
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		switch {
		case err == io.EOF:
			r.rerr = io.EOF
		case err != nil:
			r.rerr = fmt.Errorf("car: cannot read input: %w", err)
		case n == 0:
			if empty++; empty == maxEmptyReads {
				r.rerr = fmt.Errorf("car: cannot read input: %w", io.ErrNoProgress)
			}
		}
	}
	return nil
}
