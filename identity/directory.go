package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// Defaults of Directory.
const (
	// DefaultTTL is how long a resolved document or handle is reused.
	DefaultTTL = time.Hour
	// DefaultMaxEntries bounds each of the Directory's two caches.
	DefaultMaxEntries = 100_000
)

// Identity is an account's identity as resolved: its DID, its handle if
// the handle and the DID document confirm each other (else
// atp.HandleInvalid), and its DID document.
type Identity struct {
	DID    atp.DID
	Handle atp.Handle
	// Document is shared with the Directory's cache: read it, do not
	// modify it.
	Document *Document
}

// Directory resolves DIDs and handles through its Resolver and keeps the
// answers for TTL. Only successes are cached. The zero value is usable:
// the zero Resolver, DefaultTTL, DefaultMaxEntries, time.Now. Configure
// the fields before first use and do not change them after. A Directory
// is safe for concurrent use and starts no goroutines of its own beyond
// the one HTTPS lookup that races DNS during a handle resolution.
type Directory struct {
	// Resolver does the lookups.
	Resolver Resolver
	// TTL is how long an answer is reused; 0 means DefaultTTL and a
	// negative value turns caching off.
	TTL time.Duration
	// MaxEntries bounds each cache (DIDs, handles); 0 means
	// DefaultMaxEntries.
	MaxEntries int
	// Now is the clock of the cache; nil means time.Now.
	Now func() time.Time

	docs    ttlCache[atp.DID, *Document]
	handles ttlCache[atp.Handle, atp.DID]
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Directory) ttl() time.Duration {
	if d.TTL == 0 {
		return DefaultTTL
	}
	return d.TTL
}

func (d *Directory) maxEntries() int {
	if d.MaxEntries <= 0 {
		return DefaultMaxEntries
	}
	return d.MaxEntries
}

// ResolveDID returns the document of did, from the cache when it holds a
// fresh one.
func (d *Directory) ResolveDID(ctx context.Context, did atp.DID) (*Document, error) {
	return d.resolveDID(ctx, did, false)
}

// RefreshDID fetches the document of did again, bypassing the cache, and
// caches the answer: for refreshIdentity, after the PDS changed the
// identity, and to retry a signature check that failed with a cached key.
// When the DID is found not to exist, its cached document is dropped.
func (d *Directory) RefreshDID(ctx context.Context, did atp.DID) (*Document, error) {
	return d.resolveDID(ctx, did, true)
}

func (d *Directory) resolveDID(ctx context.Context, did atp.DID, refresh bool) (*Document, error) {
	caching := d.ttl() > 0
	if caching && !refresh {
		if doc, ok := d.docs.get(did, d.now()); ok {
			return doc, nil
		}
	}
	doc, err := d.Resolver.ResolveDID(ctx, did)
	if err != nil {
		if errors.Is(err, ErrDIDNotFound) {
			d.docs.remove(did)
		}
		return nil, err
	}
	if caching {
		d.docs.put(did, doc, d.now(), d.ttl(), d.maxEntries())
	}
	return doc, nil
}

// ResolveHandle returns the DID the handle points at (not verified; see
// VerifyHandle), from the cache when it holds a fresh answer.
func (d *Directory) ResolveHandle(ctx context.Context, h atp.Handle) (atp.DID, error) {
	return d.resolveHandle(ctx, h, false)
}

func (d *Directory) resolveHandle(ctx context.Context, h atp.Handle, refresh bool) (atp.DID, error) {
	caching := d.ttl() > 0
	if caching && !refresh {
		if did, ok := d.handles.get(h, d.now()); ok {
			return did, nil
		}
	}
	did, err := d.Resolver.ResolveHandle(ctx, h)
	if err != nil {
		if errors.Is(err, ErrHandleNotFound) {
			d.handles.remove(h)
		}
		return atp.DID{}, err
	}
	if caching {
		d.handles.put(h, did, d.now(), d.ttl(), d.maxEntries())
	}
	return did, nil
}

// VerifyHandle checks both directions between h and did: h resolves to
// did, and did's document claims h as its handle (Document.Handle). It
// returns nil when they match, an error wrapping ErrHandleMismatch when
// they do not, and the lookup error when a lookup fails.
func (d *Directory) VerifyHandle(ctx context.Context, h atp.Handle, did atp.DID) error {
	got, err := d.ResolveHandle(ctx, h)
	if err != nil {
		return err
	}
	if got != did {
		return fmt.Errorf("%w: %s resolves to %s, not %s", ErrHandleMismatch, h, got, did)
	}
	doc, err := d.ResolveDID(ctx, did)
	if err != nil {
		return err
	}
	if claimed, ok := doc.Handle(); !ok || claimed != h {
		return fmt.Errorf("%w: the document of %s does not claim %s", ErrHandleMismatch, did, h)
	}
	return nil
}

// ResolveIdentity resolves an account named by DID or handle.
//
// For a DID, it fetches the document and verifies the handle the document
// claims; when the handle cannot be verified (no claim, no answer, another
// DID) Identity.Handle is atp.HandleInvalid and there is no error, unless
// ctx ended. For a handle, it resolves the handle, fetches the document of
// that DID, and fails with ErrHandleMismatch when the document does not
// claim the handle.
func (d *Directory) ResolveIdentity(ctx context.Context, id atp.AtIdentifier) (*Identity, error) {
	return d.resolveIdentity(ctx, id, false)
}

// RefreshIdentity is ResolveIdentity bypassing the cache for every lookup
// it makes, and caching the new answers (com.atproto.identity.refreshIdentity).
func (d *Directory) RefreshIdentity(ctx context.Context, id atp.AtIdentifier) (*Identity, error) {
	return d.resolveIdentity(ctx, id, true)
}

func (d *Directory) resolveIdentity(ctx context.Context, id atp.AtIdentifier, refresh bool) (*Identity, error) {
	switch {
	case id.IsDID():
		did := id.DID()
		doc, err := d.resolveDID(ctx, did, refresh)
		if err != nil {
			return nil, err
		}
		ident := &Identity{DID: did, Handle: atp.HandleInvalid, Document: doc}
		claimed, ok := doc.Handle()
		if !ok {
			return ident, nil
		}
		got, err := d.resolveHandle(ctx, claimed, refresh)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return ident, nil
		}
		if got == did {
			ident.Handle = claimed
		}
		return ident, nil
	case id.IsHandle():
		h := id.Handle()
		did, err := d.resolveHandle(ctx, h, refresh)
		if err != nil {
			return nil, err
		}
		doc, err := d.resolveDID(ctx, did, refresh)
		if err != nil {
			return nil, err
		}
		if claimed, ok := doc.Handle(); !ok || claimed != h {
			return nil, fmt.Errorf("%w: %s resolves to %s, whose document does not claim it", ErrHandleMismatch, h, did)
		}
		return &Identity{DID: did, Handle: h, Document: doc}, nil
	default:
		return nil, fmt.Errorf("%w: empty at-identifier", ErrResolution)
	}
}

// Purge drops the cached document of did, so that the next lookup fetches
// it again.
func (d *Directory) Purge(did atp.DID) { d.docs.remove(did) }

// PurgeHandle drops the cached DID of h.
func (d *Directory) PurgeHandle(h atp.Handle) { d.handles.remove(h) }
