package identity_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/testvectors"
)

const docDir = "extra/indigo/atproto/identity/testdata/"

func mustParseDoc(tb testing.TB, b []byte) *identity.Document {
	tb.Helper()
	doc, err := identity.ParseDocument(b)
	if err != nil {
		tb.Fatalf("ParseDocument: %v", err)
	}
	return doc
}

func TestDocumentFixtures(t *testing.T) {
	const atprotoKey = "did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"
	for _, name := range []string{"did_plc_doc.json", "did_plc_doc_legacy.json"} {
		t.Run(name, func(t *testing.T) {
			doc := mustParseDoc(t, testvectors.Read(t, docDir+name))
			if got := doc.ID.String(); got != "did:plc:ewvi7nxzyoun6zhxrhs64oiz" {
				t.Errorf("ID = %s", got)
			}
			key, err := doc.SigningKey()
			if err != nil {
				t.Fatalf("SigningKey: %v", err)
			}
			// The legacy document holds the same key, uncompressed.
			if key.DIDKey() != atprotoKey || key.Curve() != crypto.K256 {
				t.Errorf("SigningKey = %s (%v), want %s", key.DIDKey(), key.Curve(), atprotoKey)
			}
			if ep, ok := doc.PDSEndpoint(); !ok || ep != "https://bsky.social" {
				t.Errorf("PDSEndpoint = %q, %t", ep, ok)
			}
			if h, ok := doc.Handle(); !ok || h.String() != "atproto.com" {
				t.Errorf("Handle = %q, %t", h, ok)
			}
			if _, err := doc.LabelerKey(); !errors.Is(err, identity.ErrKeyNotFound) {
				t.Errorf("LabelerKey error = %v, want ErrKeyNotFound", err)
			}
			if _, ok := doc.LabelerEndpoint(); ok {
				t.Errorf("LabelerEndpoint found")
			}
			roundTrip(t, doc)
		})
	}
	t.Run("did_web_doc.json", func(t *testing.T) {
		doc := mustParseDoc(t, testvectors.Read(t, docDir+"did_web_doc.json"))
		if doc.ID.String() != "did:web:discover.bsky.social" {
			t.Errorf("ID = %s", doc.ID)
		}
		if _, err := doc.SigningKey(); !errors.Is(err, identity.ErrKeyNotFound) {
			t.Errorf("SigningKey error = %v, want ErrKeyNotFound", err)
		}
		if _, ok := doc.PDSEndpoint(); ok {
			t.Errorf("PDSEndpoint found in a feed generator document")
		}
		if _, ok := doc.Handle(); ok {
			t.Errorf("Handle found")
		}
		if ep, ok := doc.ServiceEndpoint("bsky_fg", "BskyFeedGenerator"); !ok || ep != "https://discover.bsky.social" {
			t.Errorf("ServiceEndpoint(bsky_fg) = %q, %t", ep, ok)
		}
		roundTrip(t, doc)
	})
}

// roundTrip checks that a document survives MarshalJSON and ParseDocument.
func roundTrip(t *testing.T, doc *identity.Document) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	again := mustParseDoc(t, b)
	if !reflect.DeepEqual(doc, again) {
		t.Errorf("round trip changed the document:\n%+v\n%+v", doc, again)
	}
}

// TestDocumentAccessors covers the lookup rules on hand-made documents.
func TestDocumentAccessors(t *testing.T) {
	k := MustKey(t, crypto.P256, 1).Public()
	did := "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
	tests := []struct {
		name     string
		doc      string
		key      string // "" means an error is expected
		keyErr   error
		pds      string // "" means no endpoint
		handle   string
		labelKey bool
	}{
		{
			name: "relative ids",
			doc: `{"id":"` + did + `","alsoKnownAs":["https://x.example","at://Alice.Example.COM"],
				"verificationMethod":[{"id":"#atproto","type":"Multikey","controller":"` + did + `","publicKeyMultibase":"` + k.Multibase() + `"}],
				"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.example.com:8443"}]}`,
			key: k.DIDKey(), pds: "https://pds.example.com:8443", handle: "alice.example.com",
		},
		{
			name: "wrong controller is skipped, second entry wins",
			doc: `{"id":"` + did + `","verificationMethod":[
				{"id":"#atproto","type":"Multikey","controller":"did:plc:other","publicKeyMultibase":"zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"},
				{"id":"` + did + `#atproto","type":"Multikey","controller":"` + did + `","publicKeyMultibase":"` + k.Multibase() + `"}]}`,
			key: k.DIDKey(),
		},
		{
			name:   "unsupported suite",
			doc:    `{"id":"` + did + `","verificationMethod":[{"id":"#atproto","type":"Ed25519VerificationKey2020","controller":"` + did + `","publicKeyMultibase":"z6Mk"}]}`,
			keyErr: identity.ErrInvalidDocument,
		},
		{
			name:   "no multibase",
			doc:    `{"id":"` + did + `","verificationMethod":[{"id":"#atproto","type":"JsonWebKey2020","controller":"` + did + `","publicKeyJwk":{}}]}`,
			keyErr: identity.ErrKeyNotFound,
		},
		{
			name:   "other fragment only",
			doc:    `{"id":"` + did + `","verificationMethod":[{"id":"#atproto_label","type":"Multikey","controller":"` + did + `","publicKeyMultibase":"` + k.Multibase() + `"}]}`,
			keyErr: identity.ErrKeyNotFound, labelKey: true,
		},
		{
			name:   "wrong service type hides a later good one",
			doc:    `{"id":"` + did + `","service":[{"id":"#atproto_pds","type":"Other","serviceEndpoint":"https://a.example"},{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://b.example"}]}`,
			keyErr: identity.ErrKeyNotFound,
		},
		{
			name:   "endpoint that is not http",
			doc:    `{"id":"` + did + `","service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"ftp://b.example"}]}`,
			keyErr: identity.ErrKeyNotFound,
		},
		{
			name:   "endpoint with user info",
			doc:    `{"id":"` + did + `","service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://u:p@b.example"}]}`,
			keyErr: identity.ErrKeyNotFound,
		},
		{
			name:   "map endpoint",
			doc:    `{"id":"` + did + `","service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":{"origins":["https://b.example"]}}]}`,
			keyErr: identity.ErrKeyNotFound,
		},
		{
			name:   "invalid handle is skipped",
			doc:    `{"id":"` + did + `","alsoKnownAs":["at://not_a_handle","at://bob.example.org"]}`,
			keyErr: identity.ErrKeyNotFound, handle: "bob.example.org",
		},
		{
			name:   "context as a string, http endpoint",
			doc:    `{"@context":"https://www.w3.org/ns/did/v1","id":"` + did + `","service":[{"id":"` + did + `#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"http://localhost:2583"}]}`,
			keyErr: identity.ErrKeyNotFound, pds: "http://localhost:2583",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParseDoc(t, []byte(tt.doc))
			key, err := doc.SigningKey()
			switch {
			case tt.key != "":
				if err != nil || key.DIDKey() != tt.key {
					t.Errorf("SigningKey = %v, %v; want %s", key, err, tt.key)
				}
			case !errors.Is(err, tt.keyErr):
				t.Errorf("SigningKey error = %v, want %v", err, tt.keyErr)
			}
			ep, ok := doc.PDSEndpoint()
			if ep != tt.pds || ok != (tt.pds != "") {
				t.Errorf("PDSEndpoint = %q, %t; want %q", ep, ok, tt.pds)
			}
			h, ok := doc.Handle()
			if h.String() != tt.handle || ok != (tt.handle != "") {
				t.Errorf("Handle = %q, %t; want %q", h, ok, tt.handle)
			}
			if _, err := doc.LabelerKey(); (err == nil) != tt.labelKey {
				t.Errorf("LabelerKey error = %v", err)
			}
			roundTrip(t, doc)
		})
	}
}

func TestParseDocumentErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`null`,
		`[]`,
		`{}`,
		`{"id":null}`,
		`{"id":"not a did"}`,
		`{"id":12}`,
		`{"id":"did:web:a.example","alsoKnownAs":"at://a.example"}`,
		`{"id":"did:web:a.example","verificationMethod":{"id":"#atproto"}}`,
		`{"id":"did:web:a.example","verificationMethod":[{"id":1}]}`,
		`{"id":"did:web:a.example","service":[{"id":"#x","type":"t","serviceEndpoint":12}]}`,
		`{"id":"did:web:a.example","@context":12}`,
		`{"id":"did:web:a.example"`,
		`{"id":"did:web:a.example","x":` + strings.Repeat(" ", identity.MaxDocumentSize) + `1}`,
	} {
		if _, err := identity.ParseDocument([]byte(in)); !errors.Is(err, identity.ErrInvalidDocument) {
			t.Errorf("ParseDocument(%.60q) error = %v, want ErrInvalidDocument", in, err)
		}
	}
}

func TestNewAccountDocument(t *testing.T) {
	did := MustDID(t, "did:web:alice.example.com")
	for _, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		key := MustKey(t, curve, 7).Public()
		doc := identity.NewAccountDocument(did, MustHandle(t, "Alice.Example.com"), key, "https://pds.example.com")
		got, err := doc.SigningKey()
		if err != nil || !got.Equal(key) {
			t.Fatalf("SigningKey = %v, %v", got, err)
		}
		if h, ok := doc.Handle(); !ok || h.String() != "alice.example.com" {
			t.Errorf("Handle = %s", h)
		}
		if ep, ok := doc.PDSEndpoint(); !ok || ep != "https://pds.example.com" {
			t.Errorf("PDSEndpoint = %s", ep)
		}
		roundTrip(t, doc)
		// The same state through a PLC operation renders the same document,
		// apart from the DID method.
		plc := identity.PLCData{
			DID:                 did,
			VerificationMethods: map[string]string{"atproto": key.DIDKey()},
			AlsoKnownAs:         []string{"at://alice.example.com"},
			Services:            map[string]identity.OpService{"atproto_pds": {Type: identity.TypePDS, Endpoint: "https://pds.example.com"}},
		}
		fromPLC, err := plc.Document()
		if err != nil {
			t.Fatal(err)
		}
		if a, b := MustJSON(t, doc), MustJSON(t, fromPLC); string(a) != string(b) {
			t.Errorf("NewAccountDocument and PLCData.Document differ:\n%s\n%s", a, b)
		}
	}
}

func TestNewServiceDocument(t *testing.T) {
	did := MustDID(t, "did:web:pds.example.com")
	doc := identity.NewServiceDocument(did, "https://pds.example.com")
	want := `{"@context":["https://www.w3.org/ns/did/v1"],"id":"did:web:pds.example.com","service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.example.com"}]}`
	if got := string(MustJSON(t, doc)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := json.Marshal(identity.Document{}); !errors.Is(err, identity.ErrInvalidDocument) {
		t.Errorf("Marshal of a document without id: %v", err)
	}
}
