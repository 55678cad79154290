package plctest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
)

// Fake is an in-process PLC directory written with package identity, for
// tests that need no Node: it serves POST /:did, GET /:did, /:did/data,
// /:did/log/last and /:did/log/audit like @did-plc/server, and accepts an
// operation only when the audit log with it passes
// identity.VerifyAuditLog. Refusals are 400 {"message": ...}; unknown DIDs
// 404 "DID not registered: <did>", tombstoned ones 404 "DID not available:
// <did>". Serve it with httptest.NewServer. A Fake is safe for concurrent
// use.
type Fake struct {
	// Now stamps accepted operations; nil means time.Now. Stamps never go
	// backwards: a stamp not after the DID's last one is moved 1 ms past
	// it.
	Now func() time.Time

	mu sync.Mutex
	// logs is guarded by mu.
	logs map[atp.DID][]identity.AuditEntry
}

// NewFake returns an empty directory.
func NewFake() *Fake { return &Fake{logs: map[atp.DID][]identity.AuditEntry{}} }

// AuditLog returns a copy of the audit log of did.
func (f *Fake) AuditLog(did atp.DID) []identity.AuditEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.logs[did])
}

// ServeHTTP answers one directory request.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rawDID, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	did, err := atp.ParseDID(rawDID)
	if err != nil || !did.IsPLC() {
		fail(w, http.StatusNotFound, "DID not registered: "+rawDID)
		return
	}
	switch {
	case r.Method == http.MethodPost && rest == "":
		f.submit(w, r, did)
	case r.Method == http.MethodGet && rest == "log/audit":
		f.mu.Lock()
		entries := slices.Clone(f.logs[did])
		f.mu.Unlock()
		if len(entries) == 0 {
			fail(w, http.StatusNotFound, "DID not registered: "+did.String())
			return
		}
		reply(w, entries)
	case r.Method == http.MethodGet && (rest == "" || rest == "data" || rest == "log/last"):
		f.mu.Lock()
		last, ok := identity.LastActive(f.logs[did])
		f.mu.Unlock()
		if !ok {
			fail(w, http.StatusNotFound, "DID not registered: "+did.String())
			return
		}
		if rest == "log/last" {
			reply(w, last.Operation)
			return
		}
		if last.Operation.IsTombstone() {
			fail(w, http.StatusNotFound, "DID not available: "+did.String())
			return
		}
		if rest == "data" {
			data, err := last.Operation.Data(did)
			if err != nil {
				fail(w, http.StatusInternalServerError, err.Error())
				return
			}
			reply(w, data)
			return
		}
		doc, err := last.Operation.Document(did)
		if err != nil {
			fail(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/did+ld+json")
		_ = json.NewEncoder(w).Encode(doc)
	default:
		fail(w, http.StatusNotFound, "not found")
	}
}

func (f *Fake) submit(w http.ResponseWriter, r *http.Request, did atp.DID) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 100<<10))
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	op, err := identity.ParseOperation(body)
	if err != nil {
		fail(w, http.StatusBadRequest, "Not a valid operation: "+err.Error())
		return
	}
	c, err := op.CID()
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	at := now().UTC()

	f.mu.Lock()
	defer f.mu.Unlock()
	entries := slices.Clone(f.logs[did])
	if n := len(entries); n > 0 {
		if last := entries[n-1].CreatedAt.Time(); !at.After(last) {
			at = last.Add(time.Millisecond)
		}
	}
	stamp, err := atp.NewDatetime(at)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	// A fork nullifies the active operations after its prev.
	if op.Prev != "" {
		seen := false
		for i := range entries {
			if entries[i].Nullified {
				continue
			}
			if seen {
				entries[i].Nullified = true
			}
			if entries[i].CID == op.Prev {
				seen = true
			}
		}
	}
	entries = append(entries, identity.AuditEntry{DID: did, Operation: op, CID: c.String(), CreatedAt: stamp})
	if err := identity.VerifyAuditLog(entries); err != nil {
		msg := err.Error()
		if errors.Is(err, identity.ErrInvalidOperation) {
			msg = "Invalid operation: " + msg
		}
		fail(w, http.StatusBadRequest, msg)
		return
	}
	if f.logs == nil {
		f.logs = map[atp.DID][]identity.AuditEntry{}
	}
	f.logs[did] = entries
	w.WriteHeader(http.StatusOK)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
