package identity

import (
	"slices"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
)

// Credentials are the did:plc fields a PDS needs in an account's identity
// to host it: the output of com.atproto.identity.getRecommendedDidCredentials
// and the optional input of signPlcOperation. Empty fields are left out of
// the JSON.
type Credentials struct {
	RotationKeys        []string             `json:"rotationKeys,omitempty"`
	AlsoKnownAs         []string             `json:"alsoKnownAs,omitempty"`
	VerificationMethods map[string]string    `json:"verificationMethods,omitempty"`
	Services            map[string]OpService `json:"services,omitempty"`
}

// RecommendedCredentials returns what getRecommendedDidCredentials
// answers for an account this PDS hosts or is about to host: rotationKeys
// as given (the reference PDS sends [server recovery key?, PDS rotation
// key]), "at://<handle>" (left out when handle is zero), signingKey as the
// "atproto" verification method, and pdsEndpoint as the "atproto_pds"
// service.
func RecommendedCredentials(signingKey *crypto.PublicKey, handle atp.Handle, rotationKeys []string, pdsEndpoint string) Credentials {
	c := Credentials{
		RotationKeys: slices.Clone(rotationKeys),
		Services:     map[string]OpService{FragmentPDS: {Type: TypePDS, Endpoint: pdsEndpoint}},
	}
	if !handle.IsZero() {
		c.AlsoKnownAs = []string{"at://" + handle.String()}
	}
	if signingKey != nil {
		c.VerificationMethods = map[string]string{FragmentAtproto: signingKey.DIDKey()}
	}
	return c
}

// ServiceControl describes what keeps an account under this PDS's
// control, for the checks of submitPlcOperation, createAccount with an
// existing DID, and activateAccount. Its Check methods refuse with a
// *ValidationError worded as the reference PDS words it.
type ServiceControl struct {
	// RotationKey is the PDS's PLC rotation key, a did:key.
	RotationKey string
	// PDSEndpoint is the PDS's public URL, such as "https://pds.example.com".
	PDSEndpoint string
	// SigningKey is the account's signing key held by the PDS.
	SigningKey *crypto.PublicKey
	// Handle is the account's handle; zero skips the handle check.
	Handle atp.Handle
}

func refuse(msg string) error { return &ValidationError{Message: msg} }

// CheckOperation checks an operation submitted through
// com.atproto.identity.submitPlcOperation before it goes to the directory:
// a signed plc_operation whose rotation keys include ours, whose
// atproto_pds service has the PDS type and our endpoint, whose atproto
// verification method is the account's signing key and, when sc.Handle is
// set, whose first alsoKnownAs is the account's handle. It does not check
// the signature; the directory does.
func (sc ServiceControl) CheckOperation(op Operation) error {
	if op.Type != OpTypeOperation || !op.IsSigned() {
		return refuse("Invalid operation")
	}
	if !slices.Contains(op.RotationKeys, sc.RotationKey) {
		return refuse("Rotation keys do not include server's rotation key")
	}
	pds, ok := op.Services[FragmentPDS]
	if !ok || pds.Type != TypePDS {
		return refuse("Incorrect type on atproto_pds service")
	}
	if pds.Endpoint != sc.PDSEndpoint {
		return refuse("Incorrect endpoint on atproto_pds service")
	}
	if sc.SigningKey == nil || op.VerificationMethods[FragmentAtproto] != sc.SigningKey.DIDKey() {
		return refuse("Incorrect signing key")
	}
	if !sc.Handle.IsZero() && (len(op.AlsoKnownAs) == 0 || op.AlsoKnownAs[0] != "at://"+sc.Handle.String()) {
		return refuse("Incorrect handle in alsoKnownAs")
	}
	return nil
}

// CheckData checks the current state of a did:plc (PLCClient.Data) before
// the PDS activates the account: our rotation key among the rotation keys,
// our endpoint as the atproto_pds service, the account's signing key as
// the atproto verification method.
func (sc ServiceControl) CheckData(d *PLCData) error {
	if !slices.Contains(d.RotationKeys, sc.RotationKey) {
		return refuse("Server rotation key not included in PLC DID data")
	}
	if pds, ok := d.Services[FragmentPDS]; !ok || pds.Endpoint == "" || pds.Endpoint != sc.PDSEndpoint {
		return refuse("DID document atproto_pds service endpoint does not match PDS public url")
	}
	if k := d.VerificationMethods[FragmentAtproto]; sc.SigningKey == nil || k == "" || k != sc.SigningKey.DIDKey() {
		return refuse("DID document verification method does not match expected signing key")
	}
	return nil
}

// CheckDocument is CheckData for a DID document (a did:web account, which
// has no rotation keys): our endpoint as the PDS service and the account's
// signing key as the #atproto key.
func (sc ServiceControl) CheckDocument(doc *Document) error {
	if ep, ok := doc.PDSEndpoint(); !ok || ep != sc.PDSEndpoint {
		return refuse("DID document atproto_pds service endpoint does not match PDS public url")
	}
	if k, err := doc.SigningKey(); err != nil || sc.SigningKey == nil || !k.Equal(sc.SigningKey) {
		return refuse("DID document verification method does not match expected signing key")
	}
	return nil
}
