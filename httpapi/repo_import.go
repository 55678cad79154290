package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// errCARTooLarge reports an importRepo body over Config.MaxCARSize.
var errCARTooLarge = errors.New("httpapi: repository CAR too large")

// capReader fails with errCARTooLarge once more than n bytes were read.
type capReader struct {
	r io.Reader
	n int64
}

func (l *capReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errCARTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errCARTooLarge
	}
	return n, err
}

// repoImportRepo serves com.atproto.repo.importRepo: the caller's whole
// repository as a CAR (streamed, at most Config.MaxCARSize bytes),
// verified and stored in place of the current one, then signed again
// with the account's key. Records' blob references are indexed; blobs
// not uploaded yet are listed by listMissingBlobs.
func (s *Server) repoImportRepo(c *call) error {
	did := c.auth.did
	st, ok, err := s.repoState(c.ctx, did)
	if err != nil {
		return err
	}
	if !ok {
		return account.ErrAccountNotFound
	}
	if err := account.CheckStatus(st, account.StatusCheck{Takedown: true}); err != nil {
		return err
	}
	cl := c.rc.Request.Header.ContentLength()
	if cl == 0 {
		return invalidRequest("A request body is expected but none was provided")
	}
	if err := c.checkEncoding(); err != nil {
		return err
	}
	limit := s.cfg.MaxCARSize
	if cl > 0 && int64(cl) > limit {
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	body := &bodyReader{r: &capReader{r: c.requestBody(), n: limit}}
	// The CAR reader's own total bound is one byte looser, so that an
	// oversize body always meets capReader first and answers 413.
	loaded, err := repo.LoadCAR(body, repo.LoadOptions{DID: did, CAR: car.Options{MaxTotalSize: limit + 1}})
	switch {
	case err == nil:
	case errors.Is(body.err, errCARTooLarge):
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	case body.err != nil:
		return invalidRequest("Failed to read request body")
	default:
		return invalidRequest("%s", importErrorText(err))
	}
	_, err = s.d.Registry.Import(c.ctx, did, loaded, importedRecordBlobs)
	if err != nil {
		return s.repoWriteError(c.ctx, did, nil, err)
	}
	return c.writeEmpty()
}

// importErrorText words a refused repository CAR.
func importErrorText(err error) string {
	msg := strings.TrimPrefix(err.Error(), repo.ErrInvalidRepo.Error()+": ")
	if strings.Contains(msg, "roots, want 1") {
		// The reference's words for a CAR without exactly one root.
		return "expected one root"
	}
	return "Invalid repository: " + trimPrefix(errors.New(msg))
}

// importedRecordBlobs lists the blobs an imported record references,
// legacy references included (they are old records, not new writes).
func importedRecordBlobs(path string, data []byte) ([]cid.Cid, error) {
	v, err := dagcbor.Unmarshal(data)
	if err != nil {
		return nil, invalidRequest("Could not parse record at '%s'", path)
	}
	blobs := dagcbor.Blobs(v)
	if len(blobs) == 0 {
		return nil, nil
	}
	out := make([]cid.Cid, 0, len(blobs))
	for _, b := range blobs {
		if b.Ref.Defined() {
			out = append(out, b.Ref)
		}
	}
	return out, nil
}

// missingBlob is an item of listMissingBlobs.
type missingBlob struct {
	CID       string `json:"cid"`
	RecordURI string `json:"recordUri"`
}

// repoListMissingBlobs serves com.atproto.repo.listMissingBlobs: blobs
// the caller's records reference but that were never uploaded (after an
// import), each with one record referencing it, in CID order.
func (s *Server) repoListMissingBlobs(c *call) error {
	did := c.auth.did
	limit, ok := c.params.Int("limit")
	if !ok {
		limit = 500
	}
	cur := parseBlobCursor(c.params.String("cursor"))
	blobs := []missingBlob{}
	err := s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		last := cid.Undef
		var ferr error
		err := tx.BlobRefs(cur.after, func(b cid.Cid, path string) bool {
			if b.Equals(last) || cur.excludes(b) {
				return true
			}
			last = b
			meta, err := tx.Blob(b)
			if err != nil && !errors.Is(err, kv.ErrNotFound) {
				ferr = err
				return false
			}
			if err == nil && !meta.Missing {
				return true
			}
			blobs = append(blobs, missingBlob{CID: b.String(), RecordURI: fmt.Sprintf("at://%s/%s", did, path)})
			return int64(len(blobs)) < limit
		})
		if err != nil {
			return err
		}
		return ferr
	})
	if isAccountMissing(err) {
		return account.ErrAccountNotFound
	}
	if err != nil {
		return err
	}
	out := struct {
		Blobs  []missingBlob `json:"blobs"`
		Cursor string        `json:"cursor,omitempty"`
	}{Blobs: blobs}
	if len(blobs) > 0 {
		out.Cursor = blobs[len(blobs)-1].CID
	}
	return c.writeJSON(out)
}
