package httpapi

import (
	"errors"
	"net/http"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// recordBodyLimit is the reference's JSON body limit of the record write
// methods (createRecord, putRecord, applyWrites), below the server-wide
// one.
const recordBodyLimit = 1_000_000

// recordTIDKey stands in for the TID an actor will pick when a create
// names no record key, so that collections whose keys cannot be TIDs
// (literal:self, nsid) refuse it as the reference does.
var recordTIDKey, _ = atp.ParseRecordKey("2222222222222")

// repoInput reads the fields of a checked JSON body (call.input).
type repoInput map[string]any

// str returns the string field key, or "" when it is absent.
func (in repoInput) str(key string) string {
	s, _ := in[key].(string)
	return s
}

// flag returns the boolean field key, or nil when it is absent.
func (in repoInput) flag(key string) *bool {
	b, ok := in[key].(bool)
	if !ok {
		return nil
	}
	return &b
}

// cid parses the CID field key; cid.Undef when it is absent.
func (in repoInput) cid(key string) (cid.Cid, error) {
	s := in.str(key)
	if s == "" {
		return cid.Undef, nil
	}
	c, err := dagcbor.ParseCIDString(s)
	if err != nil {
		return cid.Undef, invalidRequest("Invalid %s: %s", key, s)
	}
	return c, nil
}

// swap reads a swapRecord field: nil when absent, a pointer to cid.Undef
// when null (the record must not exist), else the CID.
func (in repoInput) swap(key string) (*cid.Cid, error) {
	v, ok := in[key]
	if !ok {
		return nil, nil
	}
	if v == nil {
		u := cid.Undef
		return &u, nil
	}
	c, err := in.cid(key)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// nsid parses the NSID field key.
func (in repoInput) nsid(key string) (atp.NSID, error) {
	n, err := atp.ParseNSID(in.str(key))
	if err != nil {
		return atp.NSID{}, invalidRequest("Invalid %s: %s", key, in.str(key))
	}
	return n, nil
}

// rkey parses the record key field key; the zero key when it is absent
// or empty.
func (in repoInput) rkey(key string) (atp.RecordKey, error) {
	s := in.str(key)
	if s == "" {
		return atp.RecordKey{}, nil
	}
	k, err := atp.ParseRecordKey(s)
	if err != nil {
		return atp.RecordKey{}, invalidRequest("Invalid record key: %s", s)
	}
	return k, nil
}

// preparedRecord is a record ready to be written: checked, encoded, with
// the blobs it references.
type preparedRecord struct {
	collection atp.NSID
	// rkey is zero for a create that lets the actor pick a TID.
	rkey   atp.RecordKey
	value  map[string]any
	cbor   []byte
	cid    cid.Cid
	blobs  []dagcbor.Blob
	status lexicon.ValidationStatus
	// check reports that the record was checked against its lexicon.
	check bool
}

// prepareRecord runs the reference's preparation of a record create or
// update: fill in a missing "$type" from the collection and refuse
// another one, check the record key and the record against the lexicon
// as the validate option asks, refuse legacy blob references, and encode
// the record.
func (s *Server) prepareRecord(coll atp.NSID, rkey atp.RecordKey, v any, validate *bool) (*preparedRecord, error) {
	rec, ok := v.(map[string]any)
	if !ok {
		return nil, invalidRequest("Invalid record: must be an object")
	}
	switch t, has := rec["$type"]; {
	case !has:
		rec["$type"] = coll.String()
	case t != coll.String():
		got, _ := t.(string)
		return nil, invalidRequest("Invalid $type: expected %s, got %s", coll, got)
	}
	cat := s.d.Catalog
	check, _, err := cat.WriteValidation(coll.String(), validate)
	if err != nil {
		return nil, recordValidationError(coll, err)
	}
	if check && rkey.IsZero() {
		if r, ok := cat.Record(coll.String()); ok {
			if err := r.CheckKey(recordTIDKey); err != nil {
				return nil, recordValidationError(coll, err)
			}
		}
	}
	status, err := cat.ValidateWrite(coll.String(), rkey, rec, validate)
	if err != nil {
		return nil, recordValidationError(coll, err)
	}
	blobs := dagcbor.Blobs(rec)
	for _, b := range blobs {
		if b.IsLegacy() {
			return nil, invalidRequest("Legacy blobs are not allowed (%s)", b.Ref)
		}
	}
	data, err := dagcbor.Marshal(rec)
	if err != nil {
		return nil, invalidRequest("Invalid record: %s", trimPrefix(err))
	}
	if len(data) > repo.MaxRecordSize {
		return nil, xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	return &preparedRecord{collection: coll, rkey: rkey, value: rec, cbor: data, cid: dagcbor.SumCBOR(data),
		blobs: blobs, status: status, check: check}, nil
}

// recordValidationError words a lexicon error as the reference's
// InvalidRecordError: a fault inside the record reads "Invalid <nsid>
// record: <path> <reason>"; record key and unknown-lexicon errors keep
// their own text.
func recordValidationError(coll atp.NSID, err error) error {
	var le *lexicon.Error
	if errors.As(err, &le) {
		if le.Path != "" {
			return invalidRequest("Invalid %s record: %s", coll, le.Error())
		}
		return invalidRequest("%s", le.Error())
	}
	return err
}

// checkStoredBlobs checks the blobs that prepared records reference
// against what the account stored, in one read of its file. As in the
// reference, a blob still temporary must be referenced with the MIME
// type and size it was uploaded with (InvalidMimeType, InvalidSize).
// Beyond the reference, a blob referenced with other claims than its
// stored ones is checked again against the lexicon with the stored
// values, since the lexicon check only saw the claims. Blobs the account
// lacks are left to the actor, which refuses them after its swap checks,
// in the reference's order.
func (s *Server) checkStoredBlobs(tx *kv.AccountTx, recs []*preparedRecord) error {
	for _, p := range recs {
		if p == nil || len(p.blobs) == 0 {
			continue
		}
		var stored map[cid.Cid]kv.BlobMeta
		for _, b := range p.blobs {
			meta, err := tx.Blob(b.Ref)
			if errors.Is(err, kv.ErrNotFound) || err == nil && meta.Missing {
				continue
			}
			if err != nil {
				return err
			}
			if meta.Temp {
				if b.MimeType != meta.MimeType {
					return xerr(http.StatusBadRequest, "InvalidMimeType",
						"Referenced Mimetype does not match stored blob. Expected: %s, Got: %s", meta.MimeType, b.MimeType)
				}
				if b.Size != meta.Size {
					return xerr(http.StatusBadRequest, "InvalidSize",
						"Referenced Size does not match stored blob. Expected: %d, Got: %d", meta.Size, b.Size)
				}
				continue
			}
			if p.check && (b.MimeType != meta.MimeType || b.Size != meta.Size) {
				if stored == nil {
					stored = make(map[cid.Cid]kv.BlobMeta)
				}
				stored[b.Ref] = meta
			}
		}
		if stored != nil {
			v, _ := withStoredBlobs(p.value, stored, 0)
			actual, _ := v.(map[string]any)
			if err := s.d.Catalog.ValidateRecord(p.collection.String(), actual); err != nil {
				return recordValidationError(p.collection, err)
			}
		}
	}
	return nil
}

// withStoredBlobs returns a copy of v in which every reference to a blob
// in stored carries the stored MIME type and size instead of its claims,
// and whether anything changed. Containers without such blobs are
// shared, not copied.
func withStoredBlobs(v any, stored map[cid.Cid]kv.BlobMeta, depth int) (any, bool) {
	if depth > dagcbor.DefaultMaxDepth {
		return v, false
	}
	switch t := v.(type) {
	case map[string]any:
		if b, ok := dagcbor.AsBlob(t); ok {
			if meta, ok := stored[b.Ref]; ok && !b.IsLegacy() {
				return dagcbor.Blob{Ref: b.Ref, MimeType: meta.MimeType, Size: meta.Size}.Value(), true
			}
			return t, false
		}
		var out map[string]any
		for k, e := range t {
			ne, changed := withStoredBlobs(e, stored, depth+1)
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(t))
				for k2, e2 := range t {
					out[k2] = e2
				}
			}
			out[k] = ne
		}
		if out == nil {
			return t, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range t {
			ne, changed := withStoredBlobs(e, stored, depth+1)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), t...)
			}
			out[i] = ne
		}
		if out == nil {
			return t, false
		}
		return out, true
	}
	return v, false
}
