package identity

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// didWebPath is where a did:web host serves its document.
const didWebPath = "/.well-known/did.json"

// DIDWebURL returns the URL of the document of a did:web: atproto allows
// only hostname-level did:webs ("did:web:example.com", fetched from
// https://example.com/.well-known/did.json). A path (another ':') fails
// with ErrUnsupportedMethod. A port, written "%3A", is allowed only for
// localhost, which is fetched over plain http
// ("did:web:localhost%3A2583" → http://localhost:2583/.well-known/did.json)
// and only when allowLocalhost is set; other hosts must be DNS names with
// an allowed TLD (no IP addresses).
func DIDWebURL(did atp.DID, allowLocalhost bool) (string, error) {
	if !did.IsWeb() {
		return "", fmt.Errorf("%w: %q is not a did:web", ErrUnsupportedMethod, did)
	}
	id := did.Identifier()
	if strings.Contains(id, ":") {
		return "", fmt.Errorf("%w: did:web with a path: %s", ErrUnsupportedMethod, did)
	}
	hostport, err := url.PathUnescape(id)
	if err != nil || strings.ContainsAny(hostport, "/\\?#@% ") {
		return "", fmt.Errorf("%w: did:web identifier is not a host: %s", ErrUnsupportedMethod, did)
	}
	host, port, hasPort := strings.Cut(hostport, ":")
	if strings.EqualFold(host, "localhost") {
		if !allowLocalhost {
			return "", fmt.Errorf("%w: %s: localhost did:webs are not resolved here", ErrResolution, did)
		}
		if hasPort && !validPort(port) {
			return "", fmt.Errorf("%w: did:web port %q", ErrUnsupportedMethod, port)
		}
		return "http://" + strings.ToLower(hostport) + didWebPath, nil
	}
	if hasPort {
		return "", fmt.Errorf("%w: did:web with a port is allowed only for localhost: %s", ErrUnsupportedMethod, did)
	}
	h, err := atp.ParseHandle(host)
	if err != nil {
		return "", fmt.Errorf("%w: did:web host is not a DNS name: %w", ErrUnsupportedMethod, err)
	}
	if !h.AllowedTLD() {
		return "", fmt.Errorf("%w: did:web host %s has a reserved TLD", ErrResolution, h)
	}
	return "https://" + h.String() + didWebPath, nil
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n > 0 && n < 65536
}

// ResolveDIDWeb fetches and parses the document of a did:web (see
// DIDWebURL), without following redirects, as the reference resolver. A
// 404 or 410, or a host that does not exist (NXDOMAIN), fails with
// ErrDIDNotFound; the document must name did.
func (r *Resolver) ResolveDIDWeb(ctx context.Context, did atp.DID) (*Document, error) {
	u, err := DIDWebURL(did, r.AllowLocalhost)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResolution, err)
	}
	req.Header.Set("Accept", "application/did+ld+json,application/json")
	r.setUserAgent(req)
	client := r.httpClient(noRedirects)
	resp, err := client.Do(req)
	if err != nil {
		if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, fmt.Errorf("%w: %s: host not found", ErrDIDNotFound, did)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrResolution, did, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrDIDNotFound, did, resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrResolution, did, resp.StatusCode)
	}
	b, err := readLimited(resp.Body, MaxDocumentSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrResolution, did, err)
	}
	doc, err := ParseDocument(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrResolution, did, err)
	}
	if doc.ID != did {
		return nil, fmt.Errorf("%w: document for %s names %s", ErrResolution, did, doc.ID)
	}
	return doc, nil
}
