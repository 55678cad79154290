package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/kv"
)

// errBlobGone reports an upload whose bytes a concurrent write deleted
// (it dropped the last reference to the same blob) before the upload was
// recorded; the client may upload again.
var errBlobGone = errors.New("httpapi: uploaded blob was deleted by a concurrent write")

// authBlobUpload is uploadBlob's policy, the reference's
// authorizationOrUserServiceAuth: a bearer token that carries an lxm
// claim is an inter-service token issued by the user's DID for this
// method; any other is a session access token (app passwords included).
func authBlobUpload(c *call) error {
	tok, err := c.accessToken()
	if err != nil {
		return err
	}
	if !jwtHasLxm(tok) {
		return c.useAccess(tok, account.AccessStandard)
	}
	if c.s.d.ServiceAuth == nil {
		return errAuthRequired("Authentication Required")
	}
	claims, err := c.s.d.ServiceAuth.Verify(c.ctx, tok, c.nsid)
	if err != nil {
		return err
	}
	c.auth = principal{kind: serviceToken, did: claims.Iss, service: claims}
	return nil
}

// jwtHasLxm reports whether a JWT's payload, read without verifying it,
// has an lxm claim.
func jwtHasLxm(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Lxm json.RawMessage `json:"lxm"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return len(claims.Lxm) > 0 && string(claims.Lxm) != "null"
}

// requestBody returns a reader of the request body, streamed when the
// server streams bodies.
func (c *call) requestBody() io.Reader {
	if r := c.rc.RequestBodyStream(); r != nil {
		return r
	}
	return bytes.NewReader(c.rc.PostBody())
}

// bodyReader remembers whether reading the request body failed, to tell
// a client's broken upload from the store's failure.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// blobOutput writes a blob reference as the reference does:
// {"$type":"blob","ref":{"$link":…},"mimeType":…,"size":…}.
func blobOutput(c cid.Cid, mime string, size int64) json.RawMessage {
	m, _ := json.Marshal(mime)
	return fmt.Appendf(nil, `{"$type":"blob","ref":{"$link":"%s"},"mimeType":%s,"size":%d}`, c, m, size)
}

// repoUploadBlob serves com.atproto.repo.uploadBlob: the body is
// streamed to the blob store (at most Config.BlobUploadLimit bytes),
// its type sniffed, and the blob recorded as temporary until a record
// references it.
func (s *Server) repoUploadBlob(c *call) error {
	did := c.auth.did
	if c.auth.kind == accessToken {
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
	} else if _, ok, err := s.repoState(c.ctx, did); err != nil || !ok {
		if err != nil {
			return err
		}
		return account.ErrAccountNotFound
	}
	if err := c.checkEncoding(); err != nil {
		return err
	}
	declared := c.contentType()
	limit := s.cfg.BlobUploadLimit
	cl := c.rc.Request.Header.ContentLength()
	if cl > 0 && int64(cl) > limit {
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	if s.d.Blobs == nil {
		return errors.New("httpapi: no blob store")
	}
	body := &bodyReader{r: c.requestBody()}
	up, err := s.d.Blobs.Put(c.ctx, did, body, limit)
	switch {
	case errors.Is(err, blobstore.ErrTooLarge):
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	case err != nil && body.err != nil:
		return invalidRequest("Failed to read request body")
	case err != nil:
		return err
	}
	s.metrics.blobIn.Add(int(up.Size))
	if cl >= 0 && up.Size != int64(cl) {
		s.forgetUpload(c.ctx, did, up.CID)
		return invalidRequest("Request body size does not match Content-Length")
	}
	mime := sniffBlobMIME(up.Head)
	if mime == "" {
		mime = declared
	}
	now := s.d.Now().UTC()
	err = s.d.Registry.UpdateState(c.ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		meta, err := tx.Blob(up.CID)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			meta = kv.BlobMeta{CID: up.CID, MimeType: mime, Size: up.Size, CreatedAt: now, Temp: true}
		case err != nil:
			return nil, err
		case meta.Missing:
			// An imported record references it: it is permanent now.
			meta.Missing, meta.MimeType, meta.Size, meta.CreatedAt = false, mime, up.Size, now
			meta.Temp = false
		case meta.Temp:
			meta.MimeType, meta.Size, meta.CreatedAt = mime, up.Size, now
		default:
			// Already permanent: nothing to record.
			return nil, s.checkBlobBytes(c.ctx, did, up.CID)
		}
		if meta.Temp && tx.BlobReferenced(up.CID) {
			meta.Temp = false
		}
		if err := s.checkBlobBytes(c.ctx, did, up.CID); err != nil {
			return nil, err
		}
		return nil, tx.PutBlob(meta)
	})
	if err != nil {
		return err
	}
	return c.writeJSON(json.RawMessage(fmt.Appendf(nil, `{"blob":%s}`, blobOutput(up.CID, mime, up.Size))))
}

// checkBlobBytes checks that a blob's bytes are still stored.
func (s *Server) checkBlobBytes(ctx context.Context, did atp.DID, c cid.Cid) error {
	f, err := s.d.Blobs.Open(ctx, did, c)
	if errors.Is(err, blobstore.ErrNotFound) {
		return errBlobGone
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// forgetUpload deletes the bytes of an upload that was refused, unless
// the account knows the blob (an earlier upload of the same bytes).
func (s *Server) forgetUpload(ctx context.Context, did atp.DID, c cid.Cid) {
	s.dropOrphanBlobs(ctx, did, []cid.Cid{c})
}
