package identity_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/testvectors"
)

// FuzzParseDocument: ParseDocument never panics, nor do the accessors of
// what it accepts, and an accepted document survives MarshalJSON.
func FuzzParseDocument(f *testing.F) {
	for _, name := range []string{"did_plc_doc.json", "did_plc_doc_legacy.json", "did_web_doc.json"} {
		f.Add(testvectors.Read(f, docDir+name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := identity.ParseDocument(data)
		if err != nil {
			return
		}
		doc.SigningKey()
		doc.LabelerKey()
		doc.PDSEndpoint()
		doc.LabelerEndpoint()
		doc.Handle()
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("accepted document does not marshal: %v", err)
		}
		again, err := identity.ParseDocument(b)
		if err != nil {
			t.Fatalf("marshalled document does not parse: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(doc, again) {
			t.Fatalf("round trip changed the document:\n%+v\n%+v", doc, again)
		}
	})
}

// FuzzOperationDecode: ParseOperation and DecodeOperationCBOR never
// panic; what they accept encodes, round-trips through JSON and CBOR with
// the same bytes, and can be verified, validated and rendered without a
// panic.
func FuzzOperationDecode(f *testing.F) {
	for _, vop := range allVectorOps(f) {
		f.Add([]byte(vop.raw))
		if op, err := identity.ParseOperation(vop.raw); err == nil {
			if b, err := op.SignedCBOR(); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func([]byte) (identity.Operation, error){identity.ParseOperation, identity.DecodeOperationCBOR} {
			op, err := decode(data)
			if err != nil {
				continue
			}
			unsigned, err := op.UnsignedCBOR()
			if err != nil {
				t.Fatalf("accepted operation does not encode: %v", err)
			}
			back, err := identity.ParseOperation(MustJSON(t, op))
			if err != nil {
				t.Fatalf("JSON of an accepted operation does not parse: %v", err)
			}
			if b, _ := back.UnsignedCBOR(); !bytes.Equal(b, unsigned) {
				t.Fatalf("JSON round trip changed the operation")
			}
			if op.IsSigned() {
				signed, err := op.SignedCBOR()
				if err != nil {
					t.Fatalf("SignedCBOR: %v", err)
				}
				fromCBOR, err := identity.DecodeOperationCBOR(signed)
				if err != nil {
					t.Fatalf("CBOR of an accepted operation does not decode: %v", err)
				}
				if b, _ := fromCBOR.SignedCBOR(); !bytes.Equal(b, signed) {
					t.Fatalf("CBOR round trip changed the operation")
				}
				op.VerifySignature(op.EffectiveRotationKeys())
				identity.DIDForGenesis(op)
			}
			op.Validate()
			if !op.IsTombstone() {
				op.Document(MustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"))
			}
			identity.UpdateOp(op, identity.OpChanges{})
		}
	})
}
