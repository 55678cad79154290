package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// MaxDocumentSize bounds the JSON of a DID document that ParseDocument and
// the resolvers accept (64 KiB, as the reference resolver).
const MaxDocumentSize = 64 << 10

// Fragments and types of the atproto entries in DID documents.
const (
	// FragmentAtproto names the account's repository signing key.
	FragmentAtproto = "atproto"
	// FragmentLabel names a labeler's label signing key.
	FragmentLabel = "atproto_label"
	// FragmentPDS names the account's PDS service.
	FragmentPDS = "atproto_pds"
	// FragmentLabeler names a labeler's service.
	FragmentLabeler = "atproto_labeler"
	// TypePDS is the service type of FragmentPDS.
	TypePDS = "AtprotoPersonalDataServer"
	// TypeLabeler is the service type of FragmentLabeler.
	TypeLabeler = "AtprotoLabeler"
)

// JSON-LD contexts written into the documents this package builds.
const (
	contextDID       = "https://www.w3.org/ns/did/v1"
	contextMultikey  = "https://w3id.org/security/multikey/v1"
	contextSecp256k1 = "https://w3id.org/security/suites/secp256k1-2019/v1"
	contextP256      = "https://w3id.org/security/suites/ecdsa-2019/v1"
)

// Document is a DID document, reduced to the parts atproto reads: the
// DID, its aliases (alsoKnownAs, where the at:// handle is), verification
// methods (public keys) and services (endpoints). Other members of the
// JSON are dropped when parsing. A Document is plain data; accessors never
// modify it.
type Document struct {
	// Context is the "@context" list; a single string is read as a list
	// of one, and non-string entries are dropped.
	Context []string
	// ID is the DID the document describes.
	ID atp.DID
	// AlsoKnownAs lists alias URIs, such as "at://alice.example.com".
	AlsoKnownAs []string
	// VerificationMethod lists public keys.
	VerificationMethod []VerificationMethod
	// Service lists service endpoints.
	Service []Service
}

// VerificationMethod is one entry of a document's "verificationMethod".
type VerificationMethod struct {
	// ID is "#fragment" or "<did>#fragment".
	ID string `json:"id"`
	// Type is the key suite: "Multikey", or a legacy suite name.
	Type string `json:"type"`
	// Controller is the DID that controls the key.
	Controller string `json:"controller"`
	// PublicKeyMultibase is the key in multibase form; empty when the
	// method carries its key in another member (such as publicKeyJwk).
	PublicKeyMultibase string `json:"publicKeyMultibase,omitempty"`
}

// Service is one entry of a document's "service".
type Service struct {
	// ID is "#fragment" or "<did>#fragment".
	ID string
	// Type is the service type, such as "AtprotoPersonalDataServer".
	Type string
	// Endpoint is the serviceEndpoint when it is a string (a URL), or ""
	// when it is a map or list, which atproto does not use; such values
	// are kept as they were for MarshalJSON.
	Endpoint string

	rawEndpoint json.RawMessage // non-string serviceEndpoint, as read
}

// ParseDocument decodes the JSON of a DID document. It fails, wrapping
// ErrInvalidDocument, on malformed JSON, input over MaxDocumentSize, a
// missing or malformed "id", or members of the wrong JSON type.
func ParseDocument(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidDocument, len(data), MaxDocumentSize)
	}
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		if errors.Is(err, ErrInvalidDocument) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	return &d, nil
}

// documentJSON is the wire form of Document.
type documentJSON struct {
	Context            json.RawMessage      `json:"@context,omitempty"`
	ID                 *atp.DID             `json:"id"`
	AlsoKnownAs        []string             `json:"alsoKnownAs,omitempty"`
	VerificationMethod []VerificationMethod `json:"verificationMethod,omitempty"`
	Service            []serviceJSON        `json:"service,omitempty"`
}

type serviceJSON struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	ServiceEndpoint json.RawMessage `json:"serviceEndpoint"`
}

// UnmarshalJSON decodes a DID document; see ParseDocument.
func (d *Document) UnmarshalJSON(data []byte) error {
	var w documentJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidDocument, err)
	}
	if w.ID == nil || w.ID.IsZero() {
		return fmt.Errorf("%w: missing id", ErrInvalidDocument)
	}
	out := Document{ID: *w.ID}
	if len(w.AlsoKnownAs) > 0 {
		out.AlsoKnownAs = w.AlsoKnownAs
	}
	if len(w.VerificationMethod) > 0 {
		out.VerificationMethod = w.VerificationMethod
	}
	ctx, err := parseContext(w.Context)
	if err != nil {
		return err
	}
	out.Context = ctx
	if len(w.Service) > 0 {
		out.Service = make([]Service, 0, len(w.Service))
	}
	for _, s := range w.Service {
		svc := Service{ID: s.ID, Type: s.Type}
		raw := bytes.TrimSpace(s.ServiceEndpoint)
		switch {
		case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		case raw[0] == '"':
			if err := json.Unmarshal(raw, &svc.Endpoint); err != nil {
				return fmt.Errorf("%w: serviceEndpoint: %w", ErrInvalidDocument, err)
			}
		case raw[0] == '{' || raw[0] == '[':
			svc.rawEndpoint = append(json.RawMessage(nil), raw...)
		default:
			return fmt.Errorf("%w: serviceEndpoint of service %q is neither a string, a map nor a list", ErrInvalidDocument, s.ID)
		}
		out.Service = append(out.Service, svc)
	}
	*d = out
	return nil
}

// parseContext reads "@context": a string or a list, keeping the strings.
func parseContext(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%w: @context: %w", ErrInvalidDocument, err)
		}
		return []string{s}, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("%w: @context: %w", ErrInvalidDocument, err)
		}
		var out []string
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) == nil {
				out = append(out, s)
			}
		}
		return out, nil
	case '{':
		return nil, nil // an inline JSON-LD context; atproto does not need it
	default:
		return nil, fmt.Errorf("%w: @context is neither a string nor a list", ErrInvalidDocument)
	}
}

// MarshalJSON encodes the document. Empty lists are left out (and parse
// back as nil); the "id" is required.
func (d Document) MarshalJSON() ([]byte, error) {
	if d.ID.IsZero() {
		return nil, fmt.Errorf("%w: missing id", ErrInvalidDocument)
	}
	w := documentJSON{ID: &d.ID, AlsoKnownAs: d.AlsoKnownAs, VerificationMethod: d.VerificationMethod}
	if len(d.Context) > 0 {
		ctx, err := json.Marshal(d.Context)
		if err != nil {
			return nil, err
		}
		w.Context = ctx
	}
	for _, s := range d.Service {
		ep := s.rawEndpoint
		if ep == nil {
			b, err := json.Marshal(s.Endpoint)
			if err != nil {
				return nil, err
			}
			ep = b
		}
		w.Service = append(w.Service, serviceJSON{ID: s.ID, Type: s.Type, ServiceEndpoint: ep})
	}
	return json.Marshal(w)
}

// matchesFragment reports whether id, a relative "#fragment" or an
// absolute "<did>#fragment", names fragment in the document of did.
func matchesFragment(id string, did atp.DID, fragment string) bool {
	rest, ok := strings.CutPrefix(id, did.String())
	if !ok {
		rest = id
	}
	return rest == "#"+fragment
}

// VerificationKey returns the public key of the first verification method
// whose id names fragment (as "#fragment" or "<did>#fragment") and whose
// controller is the document's DID. Multikey and the legacy
// EcdsaSecp256k1VerificationKey2019 / EcdsaSecp256r1VerificationKey2019
// suites are read. It fails with ErrKeyNotFound when no method matches, and
// with ErrInvalidDocument (wrapping the crypto error) when the matching
// method's key cannot be decoded.
func (d *Document) VerificationKey(fragment string) (*crypto.PublicKey, error) {
	for _, vm := range d.VerificationMethod {
		if !matchesFragment(vm.ID, d.ID, fragment) || vm.Controller != d.ID.String() {
			continue
		}
		if vm.PublicKeyMultibase == "" {
			return nil, fmt.Errorf("%w: %s#%s has no publicKeyMultibase", ErrKeyNotFound, d.ID, fragment)
		}
		key, err := crypto.ParsePublicKeyLegacyMultibase(vm.Type, vm.PublicKeyMultibase)
		if err != nil {
			return nil, fmt.Errorf("%w: %s#%s: %w", ErrInvalidDocument, d.ID, fragment, err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: %s#%s", ErrKeyNotFound, d.ID, fragment)
}

// SigningKey returns the account's repository signing key, the #atproto
// verification method.
func (d *Document) SigningKey() (*crypto.PublicKey, error) {
	return d.VerificationKey(FragmentAtproto)
}

// LabelerKey returns a labeler's label signing key, the #atproto_label
// verification method.
func (d *Document) LabelerKey() (*crypto.PublicKey, error) {
	return d.VerificationKey(FragmentLabel)
}

// ServiceEndpoint returns the endpoint of the first service whose id names
// fragment, provided that service has type typ and a string endpoint that
// is an http or https URL with a host and no user information. As in the
// reference implementation, a first match of the wrong type hides later
// ones.
func (d *Document) ServiceEndpoint(fragment, typ string) (string, bool) {
	for _, s := range d.Service {
		if !matchesFragment(s.ID, d.ID, fragment) {
			continue
		}
		if s.Type != typ || !validEndpoint(s.Endpoint) {
			return "", false
		}
		return s.Endpoint, true
	}
	return "", false
}

// validEndpoint reports whether s is an http(s) URL with a host and no
// user information.
func validEndpoint(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil && u.Opaque == ""
}

// PDSEndpoint returns the URL of the account's PDS: the #atproto_pds
// service of type AtprotoPersonalDataServer.
func (d *Document) PDSEndpoint() (string, bool) {
	return d.ServiceEndpoint(FragmentPDS, TypePDS)
}

// LabelerEndpoint returns the URL of a labeler: the #atproto_labeler
// service of type AtprotoLabeler.
func (d *Document) LabelerEndpoint() (string, bool) {
	return d.ServiceEndpoint(FragmentLabeler, TypeLabeler)
}

// Handle returns the handle the document claims: the first alsoKnownAs
// entry that is "at://" followed by a syntactically valid handle,
// lower-cased. The claim alone proves nothing; see Directory.VerifyHandle.
func (d *Document) Handle() (atp.Handle, bool) {
	for _, aka := range d.AlsoKnownAs {
		rest, ok := strings.CutPrefix(aka, "at://")
		if !ok {
			continue
		}
		h, err := atp.ParseHandle(rest)
		if err != nil {
			continue
		}
		return h, true
	}
	return atp.Handle{}, false
}

// NewAccountDocument builds the DID document of an account in the form
// did:plc documents take: the handle as "at://<handle>" in alsoKnownAs
// (left out when handle is zero), the signing key as the Multikey
// "<did>#atproto", and pdsEndpoint as the "#atproto_pds" service. A PDS
// serves it at /.well-known/did.json for a did:web account it hosts.
func NewAccountDocument(did atp.DID, handle atp.Handle, signingKey *crypto.PublicKey, pdsEndpoint string) *Document {
	doc := &Document{
		Context: []string{contextDID, contextMultikey},
		ID:      did,
	}
	if !handle.IsZero() {
		doc.AlsoKnownAs = []string{"at://" + handle.String()}
	}
	if signingKey != nil && signingKey.Curve() != 0 {
		doc.Context = append(doc.Context, suiteContext(signingKey.Curve()))
		doc.VerificationMethod = []VerificationMethod{{
			ID:                 did.String() + "#" + FragmentAtproto,
			Type:               crypto.SuiteMultikey,
			Controller:         did.String(),
			PublicKeyMultibase: signingKey.Multibase(),
		}}
	}
	if pdsEndpoint != "" {
		doc.Service = []Service{{ID: "#" + FragmentPDS, Type: TypePDS, Endpoint: pdsEndpoint}}
	}
	return doc
}

// NewServiceDocument builds the DID document of the PDS itself, served at
// /.well-known/did.json for its did:web service DID: no keys, and
// pdsEndpoint as the "#atproto_pds" service.
func NewServiceDocument(did atp.DID, pdsEndpoint string) *Document {
	return &Document{
		Context: []string{contextDID},
		ID:      did,
		Service: []Service{{ID: "#" + FragmentPDS, Type: TypePDS, Endpoint: pdsEndpoint}},
	}
}

// suiteContext returns the JSON-LD context the PLC directory adds for a
// key on curve c.
func suiteContext(c crypto.Curve) string {
	if c == crypto.P256 {
		return contextP256
	}
	return contextSecp256k1
}
