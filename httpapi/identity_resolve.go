package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// identityInfo is com.atproto.identity.defs#identityInfo.
type identityInfo struct {
	DID    string             `json:"did"`
	Handle string             `json:"handle"`
	DIDDoc *identity.Document `json:"didDoc"`
}

// resolveHandle answers com.atproto.identity.resolveHandle as the
// reference does: a visible local account holding the handle first; a
// handle under this server's user domains that none holds is
// HandleNotFound; any other handle is looked up through the directory,
// and every failure there is InvalidRequest "Unable to resolve handle".
func (s *Server) resolveHandle(c *call) error {
	h, err := atp.ParseHandle(c.params.String("handle"))
	if err != nil {
		return xerr(http.StatusBadRequest, "InvalidHandle", "Invalid handle")
	}
	did, ok, err := s.identityLocalHandle(c.ctx, h)
	if err != nil {
		return err
	}
	if !ok {
		if s.identityServiceDomain(h) {
			return xerr(http.StatusBadRequest, "HandleNotFound", "Unable to resolve handle")
		}
		if did, err = s.d.Directory.ResolveHandle(c.ctx, h); err != nil {
			if c.ctx.Err() != nil {
				return c.ctx.Err()
			}
			e := invalidRequest("Unable to resolve handle")
			e.cause = err
			return e
		}
	}
	return c.writeJSON(struct {
		DID string `json:"did"`
	}{did.String()})
}

// resolveDid answers com.atproto.identity.resolveDid with the DID's
// document, from the directory's cache when fresh (or built here for a
// did:web this server serves).
func (s *Server) resolveDid(c *call) error {
	did, err := atp.ParseDID(c.params.String("did"))
	if err != nil {
		return invalidRequest("Invalid DID")
	}
	doc, err := s.identityDocument(c.ctx, did, false)
	if err != nil {
		return identityLookupError(err, "Did")
	}
	return c.writeJSON(struct {
		DIDDoc *identity.Document `json:"didDoc"`
	}{doc})
}

// resolveIdentity answers com.atproto.identity.resolveIdentity: the DID,
// its document and its handle when the handle and the document confirm
// each other.
func (s *Server) resolveIdentity(c *call) error {
	id, err := atp.ParseAtIdentifier(c.params.String("identifier"))
	if err != nil {
		return invalidRequest("Invalid identifier")
	}
	info, err := s.identityLookup(c.ctx, id, false)
	if err != nil {
		return err
	}
	return c.writeJSON(info)
}

// refreshIdentity answers com.atproto.identity.refreshIdentity: it
// resolves like resolveIdentity, bypassing every cached answer and caching
// the new ones.
func (s *Server) refreshIdentity(c *call) error {
	var in struct {
		Identifier string `json:"identifier"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	id, err := atp.ParseAtIdentifier(in.Identifier)
	if err != nil {
		return invalidRequest("Invalid identifier")
	}
	info, err := s.identityLookup(c.ctx, id, true)
	if err != nil {
		return err
	}
	return c.writeJSON(info)
}

// identityLookup resolves id to an identityInfo. From a handle it
// resolves the handle, then the DID's document, which must claim the
// handle back. From a DID it resolves the document and verifies the
// handle the document claims, answering handle.invalid when it does not
// verify. fresh bypasses (and refills) the directory's caches.
func (s *Server) identityLookup(ctx context.Context, id atp.AtIdentifier, fresh bool) (identityInfo, error) {
	if id.IsHandle() {
		h := id.Handle()
		did, err := s.identityHandleDID(ctx, h, fresh)
		if err != nil {
			return identityInfo{}, identityLookupError(err, "Handle")
		}
		doc, err := s.identityDocument(ctx, did, fresh)
		if err != nil {
			return identityInfo{}, identityLookupError(err, "Did")
		}
		if claimed, ok := doc.Handle(); !ok || claimed != h {
			return identityInfo{}, xerr(http.StatusBadRequest, "HandleMismatch",
				"Handle %s resolves to %s, whose DID document does not claim it", h, did)
		}
		return identityInfo{DID: did.String(), Handle: h.String(), DIDDoc: doc}, nil
	}
	did := id.DID()
	doc, err := s.identityDocument(ctx, did, fresh)
	if err != nil {
		return identityInfo{}, identityLookupError(err, "Did")
	}
	handle := atp.HandleInvalid
	if claimed, ok := doc.Handle(); ok {
		got, err := s.identityHandleDID(ctx, claimed, fresh)
		switch {
		case err == nil && got == did:
			handle = claimed
		case ctx.Err() != nil:
			return identityInfo{}, ctx.Err()
		}
	}
	return identityInfo{DID: did.String(), Handle: handle.String(), DIDDoc: doc}, nil
}

// identityDocument resolves did's document, bypassing the cache when
// fresh. The documents of did:webs this server serves are built here.
func (s *Server) identityDocument(ctx context.Context, did atp.DID, fresh bool) (*identity.Document, error) {
	if doc, ok, err := s.identityLocalDocument(ctx, did); ok {
		return doc, err
	}
	if fresh {
		return s.d.Directory.RefreshDID(ctx, did)
	}
	return s.d.Directory.ResolveDID(ctx, did)
}

// identityHandleDID resolves a handle to the DID it points at, without
// verifying the DID's document: this server's visible accounts first (it
// is the authority for them), then, for handles outside its user domains,
// the directory. fresh drops the directory's cached answer first.
func (s *Server) identityHandleDID(ctx context.Context, h atp.Handle, fresh bool) (atp.DID, error) {
	did, ok, err := s.identityLocalHandle(ctx, h)
	if err != nil || ok {
		return did, err
	}
	if s.identityServiceDomain(h) {
		return atp.DID{}, identity.ErrHandleNotFound
	}
	if fresh {
		s.d.Directory.PurgeHandle(h)
	}
	return s.d.Directory.ResolveHandle(ctx, h)
}

// identityLocalHandle finds the account of this server holding h, as the
// reference's default account lookup does: taken-down, suspended,
// deactivated and deleted accounts are left out (ok false).
func (s *Server) identityLocalHandle(ctx context.Context, h atp.Handle) (did atp.DID, ok bool, err error) {
	did, err = s.d.Index.HandleDID(h)
	if errors.Is(err, kv.ErrNotFound) {
		return atp.DID{}, false, nil
	}
	if err != nil {
		return atp.DID{}, false, err
	}
	st, err := s.srvState(ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return atp.DID{}, false, nil
	}
	if err != nil {
		return atp.DID{}, false, err
	}
	if identityHidden(st) {
		return atp.DID{}, false, nil
	}
	return did, true, nil
}

// identityServiceDomain reports whether h is under one of this server's
// user domains, or is one of them, which the reference treats as its own
// to answer for.
func (s *Server) identityServiceDomain(h atp.Handle) bool {
	for _, d := range s.d.Handles.Domains() {
		if strings.HasSuffix(h.String(), d) || h.String() == strings.TrimPrefix(d, ".") {
			return true
		}
	}
	return false
}

// identityLookupError maps a failed DID or handle lookup to the errors of
// the resolve methods' lexicons; what is the step that failed ("Did" or
// "Handle") and names the error of a lookup that could not finish.
func identityLookupError(err error, what string) error {
	var pe *identity.PLCError
	var e *Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &pe) && pe.Status == http.StatusNotFound && strings.HasPrefix(pe.Message, "DID not available"):
		e = xerr(http.StatusBadRequest, "DidDeactivated", "DID has been deactivated")
	case errors.Is(err, identity.ErrDIDNotFound):
		e = xerr(http.StatusBadRequest, "DidNotFound", "DID not found")
	case errors.Is(err, identity.ErrHandleNotFound), errors.Is(err, identity.ErrHandleNotAllowed):
		e = xerr(http.StatusBadRequest, "HandleNotFound", "Unable to resolve handle")
	case errors.Is(err, identity.ErrUnsupportedMethod):
		e = invalidRequest("Unsupported DID method")
	case errors.Is(err, identity.ErrResolution), errors.Is(err, identity.ErrInvalidDocument):
		subject := "Handle"
		if what == "Did" {
			subject = "DID"
		}
		e = xerr(http.StatusBadGateway, what+"ResolutionFailed", "%s resolution failed", subject)
	default:
		return err
	}
	e.cause = err
	return e
}
