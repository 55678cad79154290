package identity_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
)

// TestGenesisDIDVectors derives the DID of every vector log from its
// first operation, and every entry's CID from its operation.
func TestGenesisDIDVectors(t *testing.T) {
	n := 0
	for _, rel := range auditVectors(t, "valid") {
		entries, err := readAuditLog(t, rel)
		if err != nil {
			t.Fatal(err)
		}
		did, err := identity.DIDForGenesis(entries[0].Operation)
		if err != nil || did != entries[0].DID {
			t.Errorf("%s: DIDForGenesis = %s, %v; want %s", rel, did, err, entries[0].DID)
		}
		for i, e := range entries {
			if got := MustCID(t, e.Operation); got != e.CID {
				t.Errorf("%s #%d: CID %s, want %s", rel, i, got, e.CID)
			}
			n++
		}
	}
	t.Logf("checked the CIDs of %d operations", n)
}

func TestSignAndVerify(t *testing.T) {
	k1 := MustKey(t, crypto.K256, 1)
	k2 := MustKey(t, crypto.P256, 2)
	k3 := MustKey(t, crypto.K256, 3)
	signing := MustKey(t, crypto.K256, 4)
	keys := []string{k1.Public().DIDKey(), k2.Public().DIDKey(), k3.Public().DIDKey()}
	unsigned, err := identity.GenesisOp(signing.Public(), keys, MustHandle(t, "alice.test"), "https://pds.example.com")
	if err != nil {
		t.Fatal(err)
	}
	for want, k := range []*crypto.PrivateKey{k1, k2, k3} {
		op := MustSign(t, unsigned, k)
		if len(op.Sig) != 86 {
			t.Errorf("signature is %d characters, want 86", len(op.Sig))
		}
		if got, err := op.VerifySignature(keys); err != nil || got != want {
			t.Errorf("VerifySignature = %d, %v; want %d", got, err, want)
		}
		// Deterministic signatures: signing again gives the same op.
		if again := MustSign(t, unsigned, k); again.Sig != op.Sig {
			t.Errorf("signatures differ")
		}
		if _, err := op.VerifySignature([]string{keys[(want+1)%3]}); !errors.Is(err, crypto.ErrInvalidSignature) || !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("wrong key: %v", err)
		}
	}
	op := MustSign(t, unsigned, k1)
	if unsigned.Sig != "" {
		t.Errorf("Sign changed its argument")
	}
	// Any change to the signed fields breaks the signature.
	tampered := op
	tampered.AlsoKnownAs = []string{"at://mallory.test"}
	if _, err := tampered.VerifySignature(keys); !errors.Is(err, crypto.ErrInvalidSignature) {
		t.Errorf("tampered op: %v", err)
	}
	if _, err := unsigned.VerifySignature(keys); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("unsigned op: %v", err)
	}
	if _, err := op.VerifySignature(nil); !errors.Is(err, crypto.ErrInvalidSignature) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := op.VerifySignature([]string{"did:key:zBad"}); !errors.Is(err, identity.ErrInvalidOperation) || errors.Is(err, crypto.ErrInvalidSignature) {
		t.Errorf("malformed key: %v", err)
	}
	if _, err := identity.DIDForGenesis(unsigned); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("DIDForGenesis(unsigned): %v", err)
	}
	if _, err := unsigned.CID(); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("CID(unsigned): %v", err)
	}
}

// TestSignatureEncodingStrict re-encodes a good signature in ways the
// specification forbids; each must fail.
func TestSignatureEncodingStrict(t *testing.T) {
	k := MustKey(t, crypto.K256, 1)
	op, _ := MustGenesis(t, MustKey(t, crypto.K256, 2), "alice.test", "https://pds.example.com", k)
	keys := []string{k.Public().DIDKey()}
	if _, err := op.VerifySignature(keys); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(op.Sig)
	if err != nil {
		t.Fatal(err)
	}
	// Flip the two padding bits of the last character.
	last := op.Sig[len(op.Sig)-1]
	idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	padBits := op.Sig[:len(op.Sig)-1] + string(alphabet[idx|1])
	for name, sig := range map[string]string{
		"padding":       op.Sig + "==",
		"newline":       op.Sig[:40] + "\n" + op.Sig[40:],
		"trailing LF":   op.Sig + "\n",
		"space":         " " + op.Sig,
		"std alphabet":  base64.RawStdEncoding.EncodeToString(raw) + "+/",
		"padded std":    base64.StdEncoding.EncodeToString(raw),
		"padding bits":  padBits,
		"truncated":     op.Sig[:80],
		"DER-sized":     base64.RawURLEncoding.EncodeToString(append(raw, raw[:8]...)),
		"empty-ish":     "A",
		"non-ASCII":     op.Sig[:85] + "é",
		"zero bytes 64": base64.RawURLEncoding.EncodeToString(make([]byte, 64)),
	} {
		bad := op
		bad.Sig = sig
		if _, err := bad.VerifySignature(keys); !errors.Is(err, crypto.ErrInvalidSignature) {
			t.Errorf("%s: VerifySignature = %v, want ErrInvalidSignature", name, err)
		}
	}
}

func TestOperationJSON(t *testing.T) {
	rot := MustKey(t, crypto.K256, 1)
	genesis, _ := MustGenesis(t, MustKey(t, crypto.P256, 2), "alice.test", "https://pds.example.com", rot)
	b := MustJSON(t, genesis)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if v, ok := m["prev"]; !ok || v != nil {
		t.Errorf(`genesis JSON "prev" = %v, %t; want present and null`, v, ok)
	}
	wantPrefix := `{"type":"plc_operation","rotationKeys":["` + rot.Public().DIDKey() + `"],"verificationMethods":{"atproto":"`
	if !bytes.HasPrefix(b, []byte(wantPrefix)) {
		t.Errorf("JSON = %s", b)
	}
	tomb, err := identity.TombstoneOp(genesis)
	if err != nil {
		t.Fatal(err)
	}
	tomb = MustSign(t, tomb, rot)
	if got, want := string(MustJSON(t, tomb)), `{"type":"plc_tombstone","prev":"`+MustCID(t, genesis)+`","sig":"`+tomb.Sig+`"}`; got != want {
		t.Errorf("tombstone JSON = %s, want %s", got, want)
	}
	// Round trips, JSON and CBOR.
	for _, op := range []identity.Operation{genesis, tomb} {
		back, err := identity.ParseOperation(MustJSON(t, op))
		if err != nil {
			t.Fatal(err)
		}
		if MustCID(t, back) != MustCID(t, op) {
			t.Errorf("JSON round trip changed %s", op.Type)
		}
		cb, err := op.SignedCBOR()
		if err != nil {
			t.Fatal(err)
		}
		fromCBOR, err := identity.DecodeOperationCBOR(cb)
		if err != nil {
			t.Fatal(err)
		}
		if MustCID(t, fromCBOR) != MustCID(t, op) {
			t.Errorf("CBOR round trip changed %s", op.Type)
		}
	}
	if _, err := json.Marshal(identity.Operation{Type: "nope"}); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("unknown type marshalled: %v", err)
	}
}

func TestParseOperationStrict(t *testing.T) {
	const k = `"did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"`
	base := `"type":"plc_operation","rotationKeys":[` + k + `],"verificationMethods":{"atproto":` + k + `},"alsoKnownAs":["at://a.test"],"services":{"atproto_pds":{"type":"AtprotoPersonalDataServer","endpoint":"https://p.example"}}`
	good := []string{
		`{` + base + `,"prev":null}`,
		`{` + base + `,"prev":null,"sig":"abc"}`,
		`{` + base + `,"prev":"bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq"}`,
		`{"type":"plc_tombstone","prev":"bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq","sig":"x"}`,
		`{"type":"create","signingKey":` + k + `,"recoveryKey":` + k + `,"handle":"a.test","service":"https://p.example","prev":null,"sig":"x"}`,
	}
	for _, in := range good {
		if _, err := identity.ParseOperation([]byte(in)); err != nil {
			t.Errorf("ParseOperation(%s): %v", in, err)
		}
	}
	bad := []string{
		``,
		`null`,
		`[]`,
		`{}`,
		`{"type":1}`,
		`{"type":"plc_update"}`,
		`{` + base + `}`,                         // prev missing
		`{` + base + `,"prev":null,"extra":1}`,   // unknown field
		`{` + base + `,"prev":null,"sig":""}`,    // empty sig
		`{` + base + `,"prev":null,"sig":null}`,  // null sig
		`{` + base + `,"prev":""}`,               // empty prev
		`{` + base + `,"prev":12}`,               // prev type
		`{` + base + `,"prev":null,"prev":null}`, // repeated key
		`{"type":"plc_tombstone","sig":"x"}`,     // tombstone without prev
		`{"type":"plc_tombstone","prev":null,"sig":"x"}`,        // null prev
		`{"type":"plc_tombstone","prev":"b","rotationKeys":[]}`, // field of another type
		`{"type":"create","signingKey":` + k + `,"recoveryKey":` + k + `,"handle":"a.test","service":"s","prev":"b"}`,
		`{"type":"create","signingKey":1,"recoveryKey":` + k + `,"handle":"a.test","service":"s","prev":null}`,
		strings.Replace(`{`+base+`,"prev":null}`, `"rotationKeys":[`+k+`]`, `"rotationKeys":[1]`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `"rotationKeys":[`+k+`]`, `"rotationKeys":{}`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `"alsoKnownAs":["at://a.test"]`, `"alsoKnownAs":"at://a.test"`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `{"atproto":`+k+`}`, `{"atproto":1}`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `"endpoint":"https://p.example"}`, `"endpoint":"https://p.example","x":1}`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `,"endpoint":"https://p.example"`, ``, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `{"type":"AtprotoPersonalDataServer","endpoint":"https://p.example"}`, `"x"`, 1),
		strings.Replace(`{`+base+`,"prev":null}`, `"services":{`, `"services":{"$link":"x",`, 1),
		`{` + base + `,"prev":null,"n":1.5}`,
	}
	for _, in := range bad {
		if _, err := identity.ParseOperation([]byte(in)); !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("ParseOperation(%s) error = %v, want ErrInvalidOperation", in, err)
		}
	}
	for _, in := range [][]byte{nil, {0xa0}, {0x80}, {0xff}, {0xa1, 0x64, 't', 'y', 'p', 'e', 0x01}} {
		if _, err := identity.DecodeOperationCBOR(in); !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("DecodeOperationCBOR(%x) error = %v", in, err)
		}
	}
}

func TestOperationValidate(t *testing.T) {
	rot := MustKey(t, crypto.K256, 1).Public().DIDKey()
	rot2 := MustKey(t, crypto.P256, 2).Public().DIDKey()
	good := func() identity.Operation {
		return identity.Operation{
			Type:                identity.OpTypeOperation,
			RotationKeys:        []string{rot, rot2},
			VerificationMethods: map[string]string{"atproto": rot},
			AlsoKnownAs:         []string{"at://a.test"},
			Services:            map[string]identity.OpService{"atproto_pds": {Type: identity.TypePDS, Endpoint: "https://p.example"}},
		}
	}
	if op := good(); op.Validate() != nil {
		t.Fatalf("good op: %v", op.Validate())
	}
	long := strings.Repeat("x", 600)
	for name, mut := range map[string]func(*identity.Operation){
		"no rotation keys":   func(op *identity.Operation) { op.RotationKeys = nil },
		"six rotation keys":  func(op *identity.Operation) { op.RotationKeys = []string{rot, rot2, rot, rot2, rot, rot2} },
		"duplicate rotation": func(op *identity.Operation) { op.RotationKeys = []string{rot, rot} },
		"bad rotation key": func(op *identity.Operation) {
			op.RotationKeys = []string{"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}
		},
		"bad method key":   func(op *identity.Operation) { op.VerificationMethods["atproto"] = "did:web:x" },
		"method id with #": func(op *identity.Operation) { op.VerificationMethods["#atproto"] = rot },
		"duplicate aka":    func(op *identity.Operation) { op.AlsoKnownAs = []string{"at://a", "at://a"} },
		"long aka":         func(op *identity.Operation) { op.AlsoKnownAs = []string{long} },
		"long endpoint":    func(op *identity.Operation) { op.Services["x"] = identity.OpService{Type: "t", Endpoint: long} },
		"bad prev":         func(op *identity.Operation) { op.Prev = "not-a-cid" },
		"too big": func(op *identity.Operation) {
			for i := range 10 {
				op.Services[strings.Repeat("s", 20+i)] = identity.OpService{Type: strings.Repeat("t", 250), Endpoint: strings.Repeat("e", 500)}
			}
		},
	} {
		op := good()
		mut(&op)
		if err := op.Validate(); !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("%s: Validate = %v, want ErrInvalidOperation", name, err)
		}
	}
	// Verification methods may hold keys of other types (ed25519 here).
	op := good()
	op.VerificationMethods["other"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	if err := op.Validate(); err != nil {
		t.Errorf("ed25519 verification method: %v", err)
	}
}

func TestNormalizeLegacy(t *testing.T) {
	entries, err := readAuditLog(t, auditDir+"/valid/log_legacy_dholms.json")
	if err != nil {
		t.Fatal(err)
	}
	legacy := entries[0].Operation
	if legacy.Type != identity.OpTypeCreate || legacy.Legacy == nil {
		t.Fatalf("first op is %q", legacy.Type)
	}
	n := legacy.Normalize()
	if n.Type != identity.OpTypeOperation ||
		n.RotationKeys[0] != legacy.Legacy.RecoveryKey || n.RotationKeys[1] != legacy.Legacy.SigningKey ||
		n.VerificationMethods["atproto"] != legacy.Legacy.SigningKey ||
		n.AlsoKnownAs[0] != "at://dan.bsky.social" ||
		n.Services["atproto_pds"] != (identity.OpService{Type: identity.TypePDS, Endpoint: "https://bsky.social"}) {
		t.Errorf("Normalize = %+v", n)
	}
	doc, err := legacy.Document(entries[0].DID)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := doc.Handle(); h.String() != "dan.bsky.social" {
		t.Errorf("legacy document handle %s", h)
	}
	if k, err := doc.SigningKey(); err != nil || k.DIDKey() != legacy.Legacy.SigningKey {
		t.Errorf("legacy document key %v %v", k, err)
	}
	// The next operation of the log is what UpdateOp derives from the
	// legacy genesis with the same state.
	next, err := identity.UpdateOp(legacy, identity.OpChanges{
		AlsoKnownAs:  entries[1].Operation.AlsoKnownAs,
		RotationKeys: entries[1].Operation.RotationKeys,
	})
	if err != nil {
		t.Fatal(err)
	}
	next.Sig = entries[1].Operation.Sig
	if MustCID(t, next) != entries[1].CID {
		t.Errorf("UpdateOp from the legacy genesis does not rebuild the logged operation:\n%s\n%s", MustJSON(t, next), MustJSON(t, entries[1].Operation))
	}
}

func TestOperationDocument(t *testing.T) {
	did := MustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	k := MustKey(t, crypto.K256, 5).Public()
	p := MustKey(t, crypto.P256, 6).Public()
	op := identity.Operation{
		Type:                identity.OpTypeOperation,
		RotationKeys:        []string{k.DIDKey()},
		VerificationMethods: map[string]string{"atproto": k.DIDKey(), "atproto_label": p.DIDKey()},
		AlsoKnownAs:         []string{"at://atproto.com"},
		Services: map[string]identity.OpService{
			"atproto_pds":     {Type: identity.TypePDS, Endpoint: "https://bsky.social"},
			"atproto_labeler": {Type: identity.TypeLabeler, Endpoint: "https://labeler.example"},
		},
	}
	doc, err := op.Document(did)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"@context":["https://www.w3.org/ns/did/v1","https://w3id.org/security/multikey/v1","https://w3id.org/security/suites/secp256k1-2019/v1","https://w3id.org/security/suites/ecdsa-2019/v1"],` +
		`"id":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","alsoKnownAs":["at://atproto.com"],"verificationMethod":[` +
		`{"id":"did:plc:ewvi7nxzyoun6zhxrhs64oiz#atproto","type":"Multikey","controller":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","publicKeyMultibase":"` + k.Multibase() + `"},` +
		`{"id":"did:plc:ewvi7nxzyoun6zhxrhs64oiz#atproto_label","type":"Multikey","controller":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","publicKeyMultibase":"` + p.Multibase() + `"}],` +
		`"service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://bsky.social"},` +
		`{"id":"#atproto_labeler","type":"AtprotoLabeler","serviceEndpoint":"https://labeler.example"}]}`
	if got := string(MustJSON(t, doc)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if lk, err := doc.LabelerKey(); err != nil || !lk.Equal(p) {
		t.Errorf("LabelerKey = %v, %v", lk, err)
	}
	if ep, ok := doc.LabelerEndpoint(); !ok || ep != "https://labeler.example" {
		t.Errorf("LabelerEndpoint = %q", ep)
	}
	tomb := identity.Operation{Type: identity.OpTypeTombstone, Prev: "bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq"}
	if _, err := tomb.Document(did); !errors.Is(err, identity.ErrDIDNotFound) {
		t.Errorf("tombstone Document: %v", err)
	}
	op.VerificationMethods["ed"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	if _, err := op.Document(did); !errors.Is(err, identity.ErrInvalidDocument) {
		t.Errorf("ed25519 verification method: %v", err)
	}
}
