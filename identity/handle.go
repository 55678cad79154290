package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// maxWellKnownSize bounds the body of /.well-known/atproto-did.
const maxWellKnownSize = 2048

// checkResolvable refuses handles that must not be looked up.
func checkResolvable(h atp.Handle) error {
	switch {
	case h.IsZero():
		return fmt.Errorf("%w: empty handle", ErrHandleNotAllowed)
	case h.IsInvalid():
		return fmt.Errorf("%w: %s", ErrHandleNotAllowed, h)
	case !h.AllowedTLD():
		return fmt.Errorf("%w: %s has a reserved TLD", ErrHandleNotAllowed, h)
	}
	return nil
}

// ResolveHandle finds the DID a handle points at, as the reference
// resolver does: the DNS TXT record of _atproto.<handle> and the HTTPS
// well-known URL are looked up at the same time; a DNS answer wins (and
// cancels the HTTPS request), else the HTTPS answer counts. When both fail
// the error wraps ErrHandleNotFound if both said "no such handle", else
// ErrResolution. Handles with a reserved TLD and handle.invalid fail with
// ErrHandleNotAllowed without a lookup. The result is not verified against
// the DID document; see Directory.VerifyHandle.
func (r *Resolver) ResolveHandle(ctx context.Context, h atp.Handle) (atp.DID, error) {
	if err := checkResolvable(h); err != nil {
		return atp.DID{}, err
	}
	type result struct {
		did atp.DID
		err error
	}
	httpCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpRes := make(chan result, 1)
	go func() {
		did, err := r.ResolveHandleHTTPS(httpCtx, h)
		httpRes <- result{did, err}
	}()
	did, dnsErr := r.ResolveHandleDNS(ctx, h)
	if dnsErr == nil {
		cancel()
		<-httpRes // the request ends promptly once cancelled
		return did, nil
	}
	hr := <-httpRes
	if hr.err == nil {
		return hr.did, nil
	}
	if errors.Is(dnsErr, ErrHandleNotFound) && errors.Is(hr.err, ErrHandleNotFound) {
		return atp.DID{}, fmt.Errorf("%w: %s: dns: %v; https: %v", ErrHandleNotFound, h, dnsErr, hr.err)
	}
	return atp.DID{}, fmt.Errorf("%w: %s: dns: %v; https: %v", ErrResolution, h, dnsErr, hr.err)
}

// ResolveHandleDNS looks up the TXT records of _atproto.<handle> and
// returns the DID of its "did=<DID>" values. Other values are ignored; no
// such value (or NXDOMAIN) fails with ErrHandleNotFound, and values that
// disagree or do not parse fail with ErrResolution.
func (r *Resolver) ResolveHandleDNS(ctx context.Context, h atp.Handle) (atp.DID, error) {
	if err := checkResolvable(h); err != nil {
		return atp.DID{}, err
	}
	txts, err := r.dns().LookupTXT(ctx, "_atproto."+h.String())
	if err != nil {
		if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return atp.DID{}, fmt.Errorf("%w: no TXT record for _atproto.%s", ErrHandleNotFound, h)
		}
		return atp.DID{}, fmt.Errorf("%w: TXT _atproto.%s: %w", ErrResolution, h, err)
	}
	return didFromTXT(h, txts)
}

// didFromTXT picks the DID out of TXT values.
func didFromTXT(h atp.Handle, txts []string) (atp.DID, error) {
	var found string
	for _, t := range txts {
		v, ok := strings.CutPrefix(t, "did=")
		if !ok {
			continue
		}
		if found != "" && v != found {
			return atp.DID{}, fmt.Errorf("%w: _atproto.%s has conflicting DIDs %q and %q", ErrResolution, h, found, v)
		}
		found = v
	}
	if found == "" {
		return atp.DID{}, fmt.Errorf("%w: no did= TXT value for _atproto.%s", ErrHandleNotFound, h)
	}
	did, err := atp.ParseDID(found)
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: TXT _atproto.%s: %w", ErrResolution, h, err)
	}
	return did, nil
}

// ResolveHandleHTTPS fetches https://<handle>/.well-known/atproto-did,
// following up to 5 redirects, and parses its first line (trimmed) as a
// DID, whatever the content type. A 404, or a host that does not exist,
// fails with ErrHandleNotFound; other failures with ErrResolution.
func (r *Resolver) ResolveHandleHTTPS(ctx context.Context, h atp.Handle) (atp.DID, error) {
	if err := checkResolvable(h); err != nil {
		return atp.DID{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+h.String()+"/.well-known/atproto-did", nil)
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: %w", ErrResolution, err)
	}
	r.setUserAgent(req)
	resp, err := r.httpClient(fewRedirects).Do(req)
	if err != nil {
		if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return atp.DID{}, fmt.Errorf("%w: host %s not found", ErrHandleNotFound, h)
		}
		return atp.DID{}, fmt.Errorf("%w: well-known of %s: %w", ErrResolution, h, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return atp.DID{}, fmt.Errorf("%w: well-known of %s: HTTP 404", ErrHandleNotFound, h)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return atp.DID{}, fmt.Errorf("%w: well-known of %s: HTTP %d", ErrResolution, h, resp.StatusCode)
	}
	b, err := readLimited(resp.Body, maxWellKnownSize)
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: well-known of %s: %w", ErrResolution, h, err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	did, err := atp.ParseDID(string(bytes.TrimSpace(line)))
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: well-known of %s: %w", ErrResolution, h, err)
	}
	return did, nil
}
