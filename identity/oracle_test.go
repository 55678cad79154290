package identity_test

// Oracle tests: the same inputs through indigo's atproto/identity (DID
// documents), atdata (the DAG-CBOR of PLC operations) and atcrypto (their
// signatures). go-didplc, the Go reference of did:plc, is not in the
// module graph, so PLC operations are checked piece by piece instead.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/atdata"
	indigoid "github.com/bluesky-social/indigo/atproto/identity"
	"github.com/mr-tron/base58"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/testvectors"
)

// compareWithIndigo parses doc with both libraries and compares the
// signing key, the PDS endpoint and the handle.
func compareWithIndigo(t *testing.T, name string, doc []byte) {
	t.Helper()
	ours, err := identity.ParseDocument(doc)
	if err != nil {
		t.Fatalf("%s: ParseDocument: %v", name, err)
	}
	var theirs indigoid.DIDDocument
	if err := json.Unmarshal(doc, &theirs); err != nil {
		t.Fatalf("%s: indigo: %v", name, err)
	}
	ident := indigoid.ParseIdentity(&theirs)
	if ours.ID.String() != ident.DID.String() {
		t.Errorf("%s: DID %s, indigo %s", name, ours.ID, ident.DID)
	}
	key, err := ours.SigningKey()
	ikey, ierr := ident.PublicKey()
	switch {
	case (err == nil) != (ierr == nil):
		t.Errorf("%s: SigningKey error %v, indigo %v", name, err, ierr)
	case err == nil && key.DIDKey() != ikey.DIDKey():
		t.Errorf("%s: SigningKey %s, indigo %s", name, key.DIDKey(), ikey.DIDKey())
	}
	ep, _ := ours.PDSEndpoint()
	if iep := ident.PDSEndpoint(); ep != iep {
		t.Errorf("%s: PDSEndpoint %q, indigo %q", name, ep, iep)
	}
	h, ok := ours.Handle()
	ih, ierr := ident.DeclaredHandle()
	if ok != (ierr == nil) || (ok && h.String() != ih.String()) {
		t.Errorf("%s: Handle %q %t, indigo %q %v", name, h, ok, ih, ierr)
	}
}

func TestDocumentOracle(t *testing.T) {
	for _, name := range []string{"did_plc_doc.json", "did_plc_doc_legacy.json", "did_web_doc.json"} {
		compareWithIndigo(t, name, testvectors.Read(t, docDir+name))
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200
	for i := range n {
		doc := randomDocument(t, r, uint64(i))
		compareWithIndigo(t, fmt.Sprintf("random %d", i), doc)
	}
	t.Logf("compared 3 fixtures and %d random documents with indigo", n)
}

// randomDocument writes a well-formed document with a random curve, key
// form (Multikey or legacy, compressed or not), id forms, handle case and
// endpoint.
func randomDocument(t *testing.T, r *rand.Rand, seed uint64) []byte {
	curve := []crypto.Curve{crypto.K256, crypto.P256}[r.IntN(2)]
	key := MustKey(t, curve, 1000+seed).Public()
	did := "did:plc:" + fmt.Sprintf("%024d", seed)[:24]
	suite, mb := crypto.SuiteMultikey, key.Multibase()
	if r.IntN(2) == 0 {
		suite = map[crypto.Curve]string{crypto.K256: crypto.SuiteK256Legacy, crypto.P256: crypto.SuiteP256Legacy}[curve]
		// indigo reads legacy keys only uncompressed.
		mb = "z" + base58.Encode(key.UncompressedBytes())
	}
	keyID := "#atproto"
	if r.IntN(2) == 0 {
		keyID = did + "#atproto"
	}
	handles := []string{"alice.example.com", "Bob.Example.ORG", "x.y.z.test"}
	doc := map[string]any{
		"@context":    []string{"https://www.w3.org/ns/did/v1"},
		"id":          did,
		"alsoKnownAs": []string{"https://elsewhere.example", "at://" + handles[r.IntN(len(handles))]},
		"verificationMethod": []map[string]string{
			{"id": "#other", "type": "Multikey", "controller": did, "publicKeyMultibase": MustKey(t, crypto.K256, 5).Public().Multibase()},
			{"id": keyID, "type": suite, "controller": did, "publicKeyMultibase": mb},
		},
		"service": []map[string]string{
			{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": fmt.Sprintf("https://pds%d.example.com", r.IntN(100))},
		},
	}
	return MustJSON(t, doc)
}

// vectorOp is one operation of an audit-log vector, with the rotation
// keys of every operation of its file (the candidates for its signer).
type vectorOp struct {
	raw  json.RawMessage
	keys []string
}

// allVectorOps returns every operation of every audit-log vector.
func allVectorOps(t testing.TB) map[string]vectorOp {
	t.Helper()
	out := map[string]vectorOp{}
	for _, kind := range []string{"valid", "invalid"} {
		for _, rel := range auditVectors(t, kind) {
			var entries []struct {
				Operation json.RawMessage `json:"operation"`
			}
			if err := json.Unmarshal(testvectors.Read(t, rel), &entries); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, e := range entries {
				if op, err := identity.ParseOperation(e.Operation); err == nil {
					keys = append(keys, op.EffectiveRotationKeys()...)
				}
			}
			for i, e := range entries {
				out[fmt.Sprintf("%s/%s#%d", kind, filepath.Base(rel), i)] = vectorOp{e.Operation, keys}
			}
		}
	}
	return out
}

// TestOperationCBOROracle checks the canonical encodings of every vector
// operation against indigo's atdata, and the signatures against atcrypto.
func TestOperationCBOROracle(t *testing.T) {
	ops := allVectorOps(t)
	verified := 0
	for name, vop := range ops {
		raw := vop.raw
		op, err := identity.ParseOperation(raw)
		if err != nil {
			// Only the "sig" encodings of invalid vectors may be odd, and
			// they still parse; nothing else should fail here.
			t.Errorf("%s: ParseOperation: %v", name, err)
			continue
		}
		m, err := atdata.UnmarshalJSON(raw)
		if err != nil {
			t.Fatalf("%s: indigo: %v", name, err)
		}
		signed, err := atdata.MarshalCBOR(m)
		if err != nil {
			t.Fatalf("%s: indigo: %v", name, err)
		}
		delete(m, "sig")
		unsigned, err := atdata.MarshalCBOR(m)
		if err != nil {
			t.Fatalf("%s: indigo: %v", name, err)
		}
		ourUnsigned, err := op.UnsignedCBOR()
		if err != nil {
			t.Fatalf("%s: UnsignedCBOR: %v", name, err)
		}
		ourSigned, err := op.SignedCBOR()
		if err != nil {
			t.Fatalf("%s: SignedCBOR: %v", name, err)
		}
		if !bytes.Equal(ourUnsigned, unsigned) || !bytes.Equal(ourSigned, signed) {
			t.Errorf("%s: DAG-CBOR differs from indigo's", name)
		}
		// JSON round trip keeps the bytes.
		again, err := identity.ParseOperation(MustJSON(t, op))
		if err != nil {
			t.Fatalf("%s: reparse: %v", name, err)
		}
		if b, _ := again.SignedCBOR(); !bytes.Equal(b, ourSigned) {
			t.Errorf("%s: JSON round trip changed the operation", name)
		}
		// Signatures: where indigo's strict decoding and verification
		// accept the signature with some rotation key, so must we.
		sig, err := base64.RawURLEncoding.Strict().DecodeString(op.Sig)
		if err != nil || bytes.ContainsAny([]byte(op.Sig), "\r\n") {
			continue
		}
		for _, k := range vop.keys {
			pub, err := atcrypto.ParsePublicDIDKey(k)
			if err != nil {
				continue
			}
			_, ourErr := op.VerifySignature([]string{k})
			if theirErr := pub.HashAndVerify(unsigned, sig); (theirErr == nil) != (ourErr == nil) {
				t.Errorf("%s: key %s: indigo says %v, we say %v", name, k, theirErr, ourErr)
			} else if ourErr == nil {
				verified++
			}
		}
	}
	t.Logf("compared %d vector operations with indigo; %d signatures verified by both", len(ops), verified)
}

// TestSignatureOracle signs with each library and verifies with the other.
func TestSignatureOracle(t *testing.T) {
	for i, curve := range []crypto.Curve{crypto.K256, crypto.P256} {
		ours := MustKey(t, curve, uint64(40+i))
		theirs, err := atcrypto.ParsePrivateMultibase(ours.ExportMultibase())
		if err != nil {
			t.Fatal(err)
		}
		op, did := MustGenesis(t, MustKey(t, crypto.K256, 9), "alice.test", "https://pds.example.com", ours)
		unsigned, err := op.UnsignedCBOR()
		if err != nil {
			t.Fatal(err)
		}
		theirPub, err := theirs.PublicKey()
		if err != nil {
			t.Fatal(err)
		}
		sig, err := base64.RawURLEncoding.DecodeString(op.Sig)
		if err != nil {
			t.Fatal(err)
		}
		if err := theirPub.HashAndVerify(unsigned, sig); err != nil {
			t.Errorf("%v: indigo rejects our signature: %v", curve, err)
		}
		theirSig, err := theirs.HashAndSign(unsigned)
		if err != nil {
			t.Fatal(err)
		}
		op.Sig = base64.RawURLEncoding.EncodeToString(theirSig)
		if _, err := op.VerifySignature([]string{ours.Public().DIDKey()}); err != nil {
			t.Errorf("%v: we reject indigo's signature: %v", curve, err)
		}
		if !did.IsPLC() {
			t.Errorf("DID %s", did)
		}
	}
}
