package identity

import (
	"maps"
	"slices"
	"strings"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// GenesisOp builds the unsigned genesis operation of a new account:
// signingKey as the "atproto" verification method, rotationKeys (did:keys,
// highest priority first: in the reference PDS, [user recovery key?,
// server recovery key?, PDS rotation key]), handle as "at://<handle>", and
// pdsEndpoint as the "atproto_pds" service. Sign it with a rotation key
// (Sign), derive the DID (DIDForGenesis) and submit it (PLCClient.Submit).
// The result passes Operation.Validate.
func GenesisOp(signingKey *crypto.PublicKey, rotationKeys []string, handle atp.Handle, pdsEndpoint string) (Operation, error) {
	if signingKey == nil || signingKey.Curve() == 0 {
		return Operation{}, invalidOp("no signing key")
	}
	if handle.IsZero() {
		return Operation{}, invalidOp("no handle")
	}
	if pdsEndpoint == "" {
		return Operation{}, invalidOp("no PDS endpoint")
	}
	op := Operation{
		Type:                OpTypeOperation,
		RotationKeys:        slices.Clone(rotationKeys),
		VerificationMethods: map[string]string{FragmentAtproto: signingKey.DIDKey()},
		AlsoKnownAs:         []string{"at://" + handle.String()},
		Services:            map[string]OpService{FragmentPDS: {Type: TypePDS, Endpoint: pdsEndpoint}},
	}
	if err := op.Validate(); err != nil {
		return Operation{}, err
	}
	return op, nil
}

// OpChanges says how an update operation differs from the one before it.
// Zero fields change nothing. The whole-field replacements (the shape of
// com.atproto.identity.signPlcOperation's input) apply first, then the
// targeted changes.
type OpChanges struct {
	// RotationKeys, when not nil, replaces the rotation keys.
	RotationKeys []string
	// AlsoKnownAs, when not nil, replaces alsoKnownAs.
	AlsoKnownAs []string
	// VerificationMethods, when not nil, replaces the verification
	// methods.
	VerificationMethods map[string]string
	// Services, when not nil, replaces the services.
	Services map[string]OpService
	// Handle, when not zero, replaces the first at:// entry of
	// alsoKnownAs, or is put first when there is none.
	Handle atp.Handle
	// SigningKey, when not nil, becomes the "atproto" verification method.
	SigningKey *crypto.PublicKey
	// PDSEndpoint, when not empty, becomes the "atproto_pds" service.
	PDSEndpoint string
}

// UpdateOp builds the unsigned operation that follows last, a signed
// operation (a legacy create is normalized first): last's state with ch
// applied, and prev set to last's CID. A tombstone has no successor. The
// result passes Operation.Validate; sign it with one of last's rotation
// keys.
func UpdateOp(last Operation, ch OpChanges) (Operation, error) {
	if last.IsTombstone() {
		return Operation{}, invalidOp("the DID is tombstoned")
	}
	prev, err := last.CID()
	if err != nil {
		return Operation{}, err
	}
	op := last.Normalize()
	op.Type = OpTypeOperation
	op.Prev = prev.String()
	op.Sig = ""
	if ch.RotationKeys != nil {
		op.RotationKeys = slices.Clone(ch.RotationKeys)
	}
	if ch.AlsoKnownAs != nil {
		op.AlsoKnownAs = slices.Clone(ch.AlsoKnownAs)
	}
	if ch.VerificationMethods != nil {
		op.VerificationMethods = maps.Clone(ch.VerificationMethods)
	}
	if ch.Services != nil {
		op.Services = maps.Clone(ch.Services)
	}
	if !ch.Handle.IsZero() {
		aka := "at://" + ch.Handle.String()
		if i := slices.IndexFunc(op.AlsoKnownAs, func(s string) bool { return strings.HasPrefix(s, "at://") }); i >= 0 {
			op.AlsoKnownAs[i] = aka
		} else {
			op.AlsoKnownAs = append([]string{aka}, op.AlsoKnownAs...)
		}
	}
	if ch.SigningKey != nil {
		if op.VerificationMethods == nil {
			op.VerificationMethods = map[string]string{}
		}
		op.VerificationMethods[FragmentAtproto] = ch.SigningKey.DIDKey()
	}
	if ch.PDSEndpoint != "" {
		if op.Services == nil {
			op.Services = map[string]OpService{}
		}
		op.Services[FragmentPDS] = OpService{Type: TypePDS, Endpoint: ch.PDSEndpoint}
	}
	if err := op.Validate(); err != nil {
		return Operation{}, err
	}
	return op, nil
}

// TombstoneOp builds the unsigned tombstone that deactivates a DID after
// last, a signed operation.
func TombstoneOp(last Operation) (Operation, error) {
	if last.IsTombstone() {
		return Operation{}, invalidOp("the DID is already tombstoned")
	}
	prev, err := last.CID()
	if err != nil {
		return Operation{}, err
	}
	return Operation{Type: OpTypeTombstone, Prev: prev.String()}, nil
}
