package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// account is a signed-up account and its session.
type account struct {
	DID    string
	Handle string
	// auth is the Authorization header value of its session.
	auth string
}

// nextHandle returns a fresh handle under the server's domain.
func (p *PDS) nextHandle() string {
	n := p.handles.Add(1)
	return p.prefix + strconv.FormatInt(n, 36) + p.domain
}

// createAccount signs up one account.
func (p *PDS) createAccount(ctx context.Context) (account, error) {
	handle := p.nextHandle()
	label, _, _ := strings.Cut(handle, ".")
	in := map[string]any{
		"handle":   handle,
		"email":    label + "@test.com",
		"password": "bench-" + label,
	}
	if p.invite != "" {
		in["inviteCode"] = p.invite
	}
	body, err := json.Marshal(in)
	if err != nil {
		return account{}, err
	}
	var out struct {
		DID       string `json:"did"`
		Handle    string `json:"handle"`
		AccessJWT string `json:"accessJwt"`
	}
	if err := p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.server.createAccount", body: body}, &out); err != nil {
		return account{}, err
	}
	if out.DID == "" || out.AccessJWT == "" {
		return account{}, &CallError{Kind: "bad response", Msg: "createAccount: no did or accessJwt in the answer"}
	}
	return account{DID: out.DID, Handle: out.Handle, auth: "Bearer " + out.AccessJWT}, nil
}

// createAccounts signs up n accounts, from up to concurrency clients at
// once, for a workload's setup.
func (p *PDS) createAccounts(ctx context.Context, n, concurrency int) ([]account, error) {
	accts := make([]account, n)
	var next atomic.Int64
	errc := make(chan error, concurrency)
	for range min(concurrency, n) {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					errc <- nil
					return
				}
				a, err := p.createAccount(ctx)
				if err != nil {
					errc <- fmt.Errorf("bench: cannot create an account on %s: %w", p.Name(), err)
					return
				}
				accts[i] = a
			}
		}()
	}
	var errs []error
	for range min(concurrency, n) {
		errs = append(errs, <-errc)
	}
	return accts, errors.Join(errs...)
}
