package httpapi

import (
	"bufio"
	"io"
)

// writerBody is a response body produced by a function that writes it
// whole. fasthttp frames each write of WriteTo as one chunk on the
// connection, so a body written in large pieces leaves in large chunks
// with no goroutine or pipe between the producer and the socket. Read
// serves the rare paths that pull instead, through a pipe fed by a
// goroutine running the same function.
type writerBody struct {
	write func(w *bufio.Writer) error
	pr    *io.PipeReader
}

// bodyChunk is how much of a streamed body is gathered per chunk.
const bodyChunk = 64 << 10

// SupportsBodyWriteTo tells fasthttp that WriteTo may replace Read.
func (b *writerBody) SupportsBodyWriteTo() bool { return true }

// WriteTo writes the body to w in chunks of up to bodyChunk bytes.
func (b *writerBody) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, bodyChunk)
	err := b.write(bw)
	if err == nil {
		err = bw.Flush()
	}
	return cw.n, err
}

// Read pulls the body through a pipe from a goroutine running WriteTo.
func (b *writerBody) Read(p []byte) (int, error) {
	if b.pr == nil {
		pr, pw := io.Pipe()
		b.pr = pr
		go func() {
			_, err := b.WriteTo(pw)
			pw.CloseWithError(err)
		}()
	}
	return b.pr.Read(p)
}

// Close stops a producer started by Read.
func (b *writerBody) Close() error {
	if b.pr != nil {
		return b.pr.Close()
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
