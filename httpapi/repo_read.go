package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// viewReadableRepo runs fn in a read transaction on the repository named
// by raw when it is hosted here and served (neither taken down nor
// deactivated); ok is false otherwise.
func (s *Server) viewReadableRepo(ctx context.Context, raw string, fn func(did atp.DID, tx *kv.AccountTx) error) (ok bool, err error) {
	did, ok, err := s.repoLocalDID(raw)
	if err != nil || !ok {
		return false, err
	}
	err = s.d.Registry.View(ctx, did, func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if ok = st.Status != kv.StatusDeleted && repoReadable(st); !ok {
			return nil
		}
		return fn(did, tx)
	})
	if isAccountMissing(err) {
		return false, nil
	}
	return ok, err
}

// appendRecordJSON appends {"uri":…,"cid":…,"value":…} for the record
// block data. URIs and CIDs hold no characters JSON escapes.
func appendRecordJSON(dst []byte, uri string, c cid.Cid, data []byte) ([]byte, error) {
	v, err := dagcbor.Unmarshal(data)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `{"uri":"`...)
	dst = append(dst, uri...)
	dst = append(dst, `","cid":"`...)
	dst = append(dst, c.String()...)
	dst = append(dst, `","value":`...)
	if dst, err = dagcbor.AppendJSON(dst, v); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// repoGetRecord serves com.atproto.repo.getRecord for repositories
// hosted here. With the cid parameter the record is returned only at
// that version. A record taken down is not found. Records of other
// repositories are asked of the app view (proxyRecord).
func (s *Server) repoGetRecord(c *call) error {
	repoParam := c.params.String("repo")
	coll, err := atp.ParseNSID(c.params.String("collection"))
	if err != nil {
		return invalidRequest("Invalid collection: %s", c.params.String("collection"))
	}
	rkey, err := atp.ParseRecordKey(c.params.String("rkey"))
	if err != nil {
		return invalidRequest("Invalid record key: %s", c.params.String("rkey"))
	}
	want := c.params.String("cid")
	var out []byte
	var uri string
	found := false
	ok, err := s.viewReadableRepo(c.ctx, repoParam, func(did atp.DID, tx *kv.AccountTx) error {
		uri = atp.NewATURI(did, coll, rkey).String()
		path := coll.String() + "/" + rkey.String()
		rc, err := tx.RecordCID(path)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if want != "" && rc.String() != want {
			return nil
		}
		if _, taken := tx.RecordTakedown(path); taken {
			return nil
		}
		data, err := tx.Block(rc)
		if err != nil {
			return err
		}
		found = true
		out, err = appendRecordJSON(make([]byte, 0, 96+2*len(data)), uri, rc, data)
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		return s.proxyRecord(c)
	}
	if !found {
		return xerr(http.StatusBadRequest, "RecordNotFound", "Could not locate record: %s", uri)
	}
	return c.writeJSON(out)
}

// repoListRecords serves com.atproto.repo.listRecords: newest record
// key first unless reverse; the cursor is the last record key returned.
// Records taken down are left out (and not counted against the limit).
func (s *Server) repoListRecords(c *call) error {
	repoParam := c.params.String("repo")
	coll, err := atp.ParseNSID(c.params.String("collection"))
	if err != nil {
		return invalidRequest("Invalid collection: %s", c.params.String("collection"))
	}
	limit, ok := c.params.Int("limit")
	if !ok {
		limit = 50
	}
	reverse := c.params.Bool("reverse")
	cursor := c.params.String("cursor")
	out := append(make([]byte, 0, 4096), `{"records":[`...)
	last := ""
	ok, err = s.viewReadableRepo(c.ctx, repoParam, func(did atp.DID, tx *kv.AccountTx) error {
		prefix := "at://" + did.String() + "/" + coll.String() + "/"
		var ferr error
		n := 0
		err := tx.ListRecords(coll.String(), cursor, 0, !reverse, func(e kv.RecordEntry) bool {
			if _, taken := tx.RecordTakedown(coll.String() + "/" + e.RKey); taken {
				return true
			}
			data, err := tx.Block(e.CID)
			if err != nil {
				ferr = err
				return false
			}
			if n > 0 {
				out = append(out, ',')
			}
			if out, err = appendRecordJSON(out, prefix+e.RKey, e.CID, data); err != nil {
				ferr = err
				return false
			}
			n++
			last = e.RKey
			return limit <= 0 || int64(n) < limit
		})
		if err != nil {
			return err
		}
		return ferr
	})
	if err != nil {
		return err
	}
	if !ok {
		return invalidRequest("Could not find repo: %s", repoParam)
	}
	out = append(out, ']')
	if last != "" {
		out = append(out, `,"cursor":`...)
		q, _ := json.Marshal(last)
		out = append(out, q...)
	}
	out = append(out, '}')
	return c.writeJSON(out)
}

// repoDescribeRepo serves com.atproto.repo.describeRepo.
func (s *Server) repoDescribeRepo(c *call) error {
	repoParam := c.params.String("repo")
	did, ok, err := s.repoLocalDID(repoParam)
	if err != nil {
		return err
	}
	var st kv.AccountState
	var collections []string
	if ok {
		err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
			var err error
			if st, err = tx.AccountState(); err != nil {
				return err
			}
			collections = tx.Collections()
			return nil
		})
		if isAccountMissing(err) || errors.Is(err, kv.ErrNotFound) {
			ok, err = false, nil
		}
		if err != nil {
			return err
		}
	}
	if !ok || st.Status == kv.StatusDeleted {
		return xerr(http.StatusBadRequest, "RepoNotFound", "Could not find repo for DID: %s", repoParam)
	}
	switch {
	case st.TakedownRef != "" || st.Status == kv.StatusTakendown || st.Status == kv.StatusSuspended:
		return xerr(http.StatusBadRequest, "RepoTakendown", "Repo has been takendown: %s", repoParam)
	case st.Status == kv.StatusDeactivated:
		return xerr(http.StatusBadRequest, "RepoDeactivated", "Repo has been deactivated: %s", repoParam)
	}
	if s.d.Directory == nil {
		return invalidRequest("Could not resolve DID: no directory")
	}
	doc, err := s.d.Directory.ResolveDID(c.ctx, did)
	if err != nil {
		return invalidRequest("Could not resolve DID: %s", err)
	}
	docJSON, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	handle := "handle.invalid"
	if !st.Handle.IsZero() {
		handle = st.Handle.String()
	}
	docHandle, _ := doc.Handle()
	if collections == nil {
		collections = []string{}
	}
	return c.writeJSON(struct {
		Handle          string          `json:"handle"`
		DID             string          `json:"did"`
		DIDDoc          json.RawMessage `json:"didDoc"`
		Collections     []string        `json:"collections"`
		HandleIsCorrect bool            `json:"handleIsCorrect"`
	}{handle, did.String(), docJSON, collections,
		!st.Handle.IsZero() && docHandle == st.Handle})
}
