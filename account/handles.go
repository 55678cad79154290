package account

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// Length of the first label of a handle on a user domain, as the
// reference bounds it.
const (
	MinServiceHandleLength = 3
	MaxServiceHandleLength = 18
)

//go:embed reserved_handles.txt
var reservedHandlesText string

// HandleConfig configures HandleRules.
type HandleConfig struct {
	// Domains are the user domains accounts may take handles under, such
	// as ".test" (development) or ".pds.example.com". A missing leading
	// dot is added.
	Domains []string
	// Reserved adds names to the built-in reserved list.
	Reserved []string
}

// Validate reports a config with no usable domain.
func (c HandleConfig) Validate() error {
	if len(c.Domains) == 0 {
		return errors.New("account: handle config needs at least one user domain")
	}
	for _, d := range c.Domains {
		name := strings.TrimPrefix(d, ".")
		if name == "" {
			return fmt.Errorf("account: empty user domain %q", d)
		}
		for label := range strings.SplitSeq(name, ".") {
			if !isLabel(label) {
				return fmt.Errorf("account: user domain %q: bad label %q", d, label)
			}
		}
	}
	return nil
}

func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// HandleRules are this server's rules for the handles accounts may take:
// syntax, allowed top-level domains, the user domains, the length of the
// first label and the reserved names. It is immutable and safe for
// concurrent use.
type HandleRules struct {
	domains  []string
	reserved map[string]struct{}
}

// NewHandleRules returns the rules for cfg.
func NewHandleRules(cfg HandleConfig) (*HandleRules, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &HandleRules{reserved: map[string]struct{}{}}
	for _, d := range cfg.Domains {
		d = strings.ToLower(d)
		if !strings.HasPrefix(d, ".") {
			d = "." + d
		}
		if !slices.Contains(r.domains, d) {
			r.domains = append(r.domains, d)
		}
	}
	for line := range strings.Lines(reservedHandlesText) {
		if name := strings.TrimSpace(line); name != "" && !strings.HasPrefix(name, "#") {
			r.reserved[name] = struct{}{}
		}
	}
	for _, name := range cfg.Reserved {
		r.reserved[strings.ToLower(strings.TrimSpace(name))] = struct{}{}
	}
	return r, nil
}

// Domains returns the user domains, each with its leading dot, for
// describeServer's availableUserDomains.
func (r *HandleRules) Domains() []string { return slices.Clone(r.domains) }

// IsReserved reports whether name may not be taken as the first label of
// a handle on a user domain.
func (r *HandleRules) IsReserved(name string) bool {
	_, ok := r.reserved[strings.ToLower(name)]
	return ok
}

// Normalize parses raw as a handle (lower-casing it) and refuses
// disallowed top-level domains, with ErrInvalidHandle refinements.
func (r *HandleRules) Normalize(raw string) (atp.Handle, error) {
	h, err := atp.ParseHandle(raw)
	if err != nil {
		return atp.Handle{}, fmt.Errorf("%w: %w", ErrInvalidHandle.withMessage("Invalid handle: "+clipText(raw)), err)
	}
	if !h.AllowedTLD() {
		return atp.Handle{}, ErrInvalidHandle.withMessage("Handle TLD is invalid or disallowed")
	}
	return h, nil
}

// userDomain returns the user domain h is under, or "".
func (r *HandleRules) userDomain(h atp.Handle) string {
	for _, d := range r.domains {
		if strings.HasSuffix(h.String(), d) {
			return d
		}
	}
	return ""
}

// IsUserDomain reports whether h is under one of the user domains.
func (r *HandleRules) IsUserDomain(h atp.Handle) bool { return r.userDomain(h) != "" }

// HandleCheck tunes Check.
type HandleCheck struct {
	// AllowExternal accepts a handle outside the user domains (updateHandle,
	// or createAccount with an existing DID); the caller must then verify
	// that it resolves to the account.
	AllowExternal bool
	// AllowReserved skips the reserved list (admin actions).
	AllowReserved bool
}

// Check normalises raw and applies the rules: syntax and TLD
// (ErrInvalidHandle); under a user domain, a first label of 3 to 18
// characters with no dot (ErrInvalidHandle) that is not reserved
// (ErrHandleNotAvailable); outside them, ErrUnsupportedDomain unless
// opts.AllowExternal. external reports a handle outside the user domains.
func (r *HandleRules) Check(raw string, opts HandleCheck) (h atp.Handle, external bool, err error) {
	h, err = r.Normalize(raw)
	if err != nil {
		return atp.Handle{}, false, err
	}
	domain := r.userDomain(h)
	if domain == "" {
		if !opts.AllowExternal {
			return atp.Handle{}, false, ErrUnsupportedDomain
		}
		return h, true, nil
	}
	front := strings.TrimSuffix(h.String(), domain)
	switch {
	case strings.Contains(front, "."):
		return atp.Handle{}, false, ErrInvalidHandle.withMessage("Invalid characters in handle")
	case len(front) < MinServiceHandleLength:
		return atp.Handle{}, false, ErrInvalidHandle.withMessage("Handle too short")
	case len(front) > MaxServiceHandleLength:
		return atp.Handle{}, false, ErrInvalidHandle.withMessage("Handle too long")
	case !opts.AllowReserved && r.IsReserved(front):
		return atp.Handle{}, false, ErrHandleNotAvailable
	}
	return h, false, nil
}

// clipText shortens user input quoted in a message.
func clipText(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
