package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/kv"
)

// getBlob serves a blob a record references, with the reference's safety
// headers, and single byte ranges.
func (s *Server) getBlob(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	id, err := dagcbor.ParseCIDString(c.params.String("cid"))
	if err != nil {
		return invalidRequest("invalid cid: %s", c.params.String("cid"))
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	var meta kv.BlobMeta
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		meta, err = tx.Blob(id)
		return err
	})
	if errors.Is(err, kv.ErrNotFound) || err == nil && (meta.Temp || meta.Missing || meta.Takedown != "") {
		return errBlobNotFound()
	}
	if err != nil {
		return err
	}
	b, err := s.d.Blobs.Open(c.ctx, did, id)
	if errors.Is(err, blobstore.ErrNotFound) {
		return errBlobNotFound()
	}
	if err != nil {
		return err
	}
	size := b.Size()
	h := &c.rc.Response.Header
	mime := meta.MimeType
	if mime == "" {
		mime = "application/octet-stream"
	}
	h.SetContentType(mime)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, id))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	start, end, ranged, ok := parseRange(string(c.rc.Request.Header.Peek("Range")), size)
	if !ok {
		b.Close()
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		return xerr(http.StatusRequestedRangeNotSatisfiable, "InvalidRequest", "Range Not Satisfiable")
	}
	if !ranged {
		s.metrics.blobOut.Add(int(size))
		c.rc.SetStatusCode(http.StatusOK)
		c.rc.SetBodyStream(b, int(size))
		return nil
	}
	s.metrics.blobOut.Add(int(end - start + 1))
	if _, err := b.Seek(start, 0); err != nil {
		b.Close()
		return fmt.Errorf("cannot seek blob %s: %w", id, err)
	}
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	c.rc.SetStatusCode(http.StatusPartialContent)
	c.rc.SetBodyStream(&limitedBlob{r: io.LimitReader(b, end-start+1), b: b}, int(end-start+1))
	return nil
}

// errBlobNotFound is getBlob's answer for a blob it does not serve: the
// reference's, with no error name of its own (the lexicon declares
// BlobNotFound, but the reference does not use it).
func errBlobNotFound() *Error {
	return invalidRequest("Blob not found")
}

// limitedBlob reads a range of a blob and closes the blob when done.
type limitedBlob struct {
	r io.Reader
	b blobstore.Blob
}

func (l *limitedBlob) Read(p []byte) (int, error) { return l.r.Read(p) }

func (l *limitedBlob) Close() error { return l.b.Close() }

// parseRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range.
// ranged is false when there is no Range header (or it is not a byte
// range, which is ignored); ok is false when the range cannot be served.
func parseRange(h string, size int64) (start, end int64, ranged, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if h == "" || !found || strings.Contains(spec, ",") {
		return 0, size - 1, false, true
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, true, false
	}
	var err error
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, true, false
		}
		start, end = max(size-n, 0), size-1
	default:
		if start, err = strconv.ParseInt(a, 10, 64); err != nil || start < 0 {
			return 0, 0, true, false
		}
		end = size - 1
		if b != "" {
			if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
				return 0, 0, true, false
			}
			end = min(end, size-1)
		}
	}
	if start >= size {
		return 0, 0, true, false
	}
	return start, end, true, true
}

// listBlobs pages through the blobs the account's records reference.
func (s *Server) listBlobs(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	var since atp.TID
	if raw := c.params.String("since"); raw != "" {
		if since, err = atp.ParseTID(raw); err != nil {
			return invalidRequest("invalid since: %s", raw)
		}
	}
	limit, _ := c.params.Int("limit")
	cur := parseBlobCursor(c.params.String("cursor"))
	cids := make([]string, 0, limit)
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		return tx.ForEachBlob(cur.after, func(m kv.BlobMeta) bool {
			if m.Temp || m.Missing || (!since.IsZero() && m.Rev.Compare(since) <= 0) || cur.excludes(m.CID) {
				return true
			}
			cids = append(cids, m.CID.String())
			return int64(len(cids)) < limit
		})
	})
	if err != nil {
		return err
	}
	out := struct {
		Cursor string   `json:"cursor,omitempty"`
		CIDs   []string `json:"cids"`
	}{CIDs: cids}
	if int64(len(cids)) == limit && limit > 0 {
		out.Cursor = cids[len(cids)-1]
	}
	return c.writeJSON(out)
}

// blobCursor is the cursor of listBlobs and listMissingBlobs. The
// reference takes any string as a bound on CID text (blobs whose CID
// sorts after it as a string). Here blobs are listed in CID byte order
// and a cursor is the last CID of the page before; a cursor that is not
// a CID is applied as the reference applies it, to the CID text.
type blobCursor struct {
	// after is the CID the page starts after, when the cursor is one.
	after cid.Cid
	// text is a cursor that is not a CID.
	text string
}

func parseBlobCursor(s string) blobCursor {
	if s == "" {
		return blobCursor{}
	}
	if c, err := dagcbor.ParseCIDString(s); err == nil {
		return blobCursor{after: c}
	}
	return blobCursor{text: s}
}

// excludes reports whether a text cursor leaves out blob c.
func (b blobCursor) excludes(c cid.Cid) bool {
	return b.text != "" && c.String() <= b.text
}
