package identity

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// Operation types.
const (
	// OpTypeOperation is a regular creation or update operation.
	OpTypeOperation = "plc_operation"
	// OpTypeTombstone deactivates the DID for good.
	OpTypeTombstone = "plc_tombstone"
	// OpTypeCreate is the deprecated genesis format, still found at the
	// start of old logs: readable and verifiable, never written.
	OpTypeCreate = "create"
)

// MaxOperationSize is the largest signed operation, in DAG-CBOR bytes, that
// the did:plc specification allows (Operation.Validate checks it).
const MaxOperationSize = 7500

// sigOverhead is what a "sig" adds to an operation's DAG-CBOR: the key
// (4 bytes) and the 86-character text of a 64-byte signature (88 bytes).
const sigOverhead = 4 + 88

// maxOperationJSON bounds the JSON form of one operation when decoding.
const maxOperationJSON = 64 << 10

// OpService is a service entry of a did:plc operation.
type OpService struct {
	// Type is the service type, such as "AtprotoPersonalDataServer".
	Type string `json:"type"`
	// Endpoint is the service URL.
	Endpoint string `json:"endpoint"`
}

// LegacyCreate holds the fields of a deprecated "create" genesis operation.
type LegacyCreate struct {
	// SigningKey is the atproto signing key, a did:key.
	SigningKey string
	// RecoveryKey is the highest-priority rotation key, a did:key.
	RecoveryKey string
	// Handle is the bare handle (no at:// prefix).
	Handle string
	// Service is the PDS URL.
	Service string
}

// Operation is one did:plc operation, of one of three types:
//
//   - OpTypeOperation: RotationKeys, VerificationMethods, AlsoKnownAs,
//     Services and Prev (empty for the genesis operation, whose "prev" is
//     written as null);
//   - OpTypeTombstone: only Prev, which is required;
//   - OpTypeCreate (legacy genesis): only Legacy, and Prev empty.
//
// Sig is the base64url (unpadded) compact signature, or "" for an unsigned
// operation. The fields of other types are ignored when encoding. The
// canonical bytes are the DAG-CBOR encoding of the JSON object (without
// "sig" for signing, with it for hashing); UnsignedCBOR and SignedCBOR
// produce them. Operations are values: builders in this package never
// share slices or maps with their input.
type Operation struct {
	// Type is OpTypeOperation, OpTypeTombstone or OpTypeCreate.
	Type string
	// RotationKeys are did:keys in priority order, highest first.
	RotationKeys []string
	// VerificationMethods maps a fragment (no '#') to a did:key.
	VerificationMethods map[string]string
	// AlsoKnownAs lists alias URIs, the at:// handle first.
	AlsoKnownAs []string
	// Services maps a fragment (no '#') to a service.
	Services map[string]OpService
	// Prev is the CID text of the previous operation, "" for genesis.
	Prev string
	// Sig is the signature, "" when unsigned.
	Sig string
	// Legacy holds the fields of an OpTypeCreate operation.
	Legacy *LegacyCreate
}

// IsGenesis reports whether op starts a log: no prev and not a tombstone.
func (op *Operation) IsGenesis() bool {
	return op.Prev == "" && op.Type != OpTypeTombstone
}

// IsTombstone reports whether op is a tombstone.
func (op *Operation) IsTombstone() bool { return op.Type == OpTypeTombstone }

// IsSigned reports whether op carries a signature.
func (op *Operation) IsSigned() bool { return op.Sig != "" }

// EffectiveRotationKeys returns the rotation keys that may sign the
// operation after op: RotationKeys, [recoveryKey, signingKey] for a legacy
// create, and none for a tombstone.
func (op *Operation) EffectiveRotationKeys() []string {
	switch op.Type {
	case OpTypeOperation:
		return op.RotationKeys
	case OpTypeCreate:
		if op.Legacy == nil {
			return nil
		}
		return []string{op.Legacy.RecoveryKey, op.Legacy.SigningKey}
	default:
		return nil
	}
}

// Normalize returns op as a regular operation: a legacy create becomes the
// plc_operation it stands for (rotation keys [recovery, signing], the
// handle as at://, the service as the atproto_pds), keeping Prev and Sig,
// as the reference implementation does. Other types come back as copies.
func (op Operation) Normalize() Operation {
	if op.Type != OpTypeCreate || op.Legacy == nil {
		return op.clone()
	}
	l := op.Legacy
	return Operation{
		Type:                OpTypeOperation,
		RotationKeys:        []string{l.RecoveryKey, l.SigningKey},
		VerificationMethods: map[string]string{FragmentAtproto: l.SigningKey},
		AlsoKnownAs:         []string{ensureAtprotoPrefix(l.Handle)},
		Services:            map[string]OpService{FragmentPDS: {Type: TypePDS, Endpoint: ensureHTTPPrefix(l.Service)}},
		Prev:                op.Prev,
		Sig:                 op.Sig,
	}
}

// clone returns a deep copy of op.
func (op Operation) clone() Operation {
	op.RotationKeys = slices.Clone(op.RotationKeys)
	op.VerificationMethods = maps.Clone(op.VerificationMethods)
	op.AlsoKnownAs = slices.Clone(op.AlsoKnownAs)
	op.Services = maps.Clone(op.Services)
	if op.Legacy != nil {
		l := *op.Legacy
		op.Legacy = &l
	}
	return op
}

func ensureAtprotoPrefix(s string) string {
	if strings.HasPrefix(s, "at://") {
		return s
	}
	s = strings.Replace(s, "http://", "", 1)
	s = strings.Replace(s, "https://", "", 1)
	return "at://" + s
}

func ensureHTTPPrefix(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return "https://" + s
}

// dataModel returns op as a data-model map, the input of DAG-CBOR
// encoding, with "sig" when withSig is set and op is signed.
func (op *Operation) dataModel(withSig bool) (map[string]any, error) {
	var m map[string]any
	switch op.Type {
	case OpTypeOperation:
		vms := make(map[string]any, len(op.VerificationMethods))
		for k, v := range op.VerificationMethods {
			vms[k] = v
		}
		svcs := make(map[string]any, len(op.Services))
		for k, s := range op.Services {
			svcs[k] = map[string]any{"type": s.Type, "endpoint": s.Endpoint}
		}
		m = map[string]any{
			"type":                OpTypeOperation,
			"rotationKeys":        stringsToAny(op.RotationKeys),
			"verificationMethods": vms,
			"alsoKnownAs":         stringsToAny(op.AlsoKnownAs),
			"services":            svcs,
			"prev":                nil,
		}
		if op.Prev != "" {
			m["prev"] = op.Prev
		}
	case OpTypeTombstone:
		if op.Prev == "" {
			return nil, invalidOp("tombstone without prev")
		}
		m = map[string]any{"type": OpTypeTombstone, "prev": op.Prev}
	case OpTypeCreate:
		if op.Legacy == nil {
			return nil, invalidOp("create operation without its fields")
		}
		if op.Prev != "" {
			return nil, invalidOp("create operation with a prev")
		}
		m = map[string]any{
			"type":        OpTypeCreate,
			"signingKey":  op.Legacy.SigningKey,
			"recoveryKey": op.Legacy.RecoveryKey,
			"handle":      op.Legacy.Handle,
			"service":     op.Legacy.Service,
			"prev":        nil,
		}
	default:
		return nil, invalidOp("unknown type %q", op.Type)
	}
	if withSig && op.Sig != "" {
		m["sig"] = op.Sig
	}
	return m, nil
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// UnsignedCBOR returns the canonical DAG-CBOR encoding of op without its
// "sig" field: the bytes a rotation key signs.
func (op *Operation) UnsignedCBOR() ([]byte, error) {
	m, err := op.dataModel(false)
	if err != nil {
		return nil, err
	}
	b, err := dagcbor.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOperation, err)
	}
	return b, nil
}

// SignedCBOR returns the canonical DAG-CBOR encoding of the signed op: the
// bytes its CID and, for a genesis operation, its DID hash. It fails for
// an unsigned op.
func (op *Operation) SignedCBOR() ([]byte, error) {
	if !op.IsSigned() {
		return nil, invalidOp("not signed")
	}
	m, err := op.dataModel(true)
	if err != nil {
		return nil, err
	}
	b, err := dagcbor.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOperation, err)
	}
	return b, nil
}

// CID returns the CID (v1, dag-cbor, sha2-256) of the signed op, the value
// the next operation's prev holds.
func (op *Operation) CID() (cid.Cid, error) {
	b, err := op.SignedCBOR()
	if err != nil {
		return cid.Undef, err
	}
	return dagcbor.SumCBOR(b), nil
}

// Sign returns a copy of op signed by key, a rotation key: its Sig is the
// base64url encoding, without padding, of the 64-byte low-S compact
// signature of op.UnsignedCBOR(). Any previous Sig is replaced.
func Sign(op Operation, key *crypto.PrivateKey) (Operation, error) {
	op = op.clone()
	op.Sig = ""
	b, err := op.UnsignedCBOR()
	if err != nil {
		return Operation{}, err
	}
	sig, err := key.SignMessage(b)
	if err != nil {
		return Operation{}, fmt.Errorf("identity: cannot sign PLC operation: %w", err)
	}
	op.Sig = base64.RawURLEncoding.EncodeToString(sig)
	return op, nil
}

// decodeSig decodes a "sig" strictly: base64url characters only (no
// padding, whitespace or line breaks) and zero trailing bits.
func decodeSig(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, invalidOp("signature has a non-base64url byte %q at %d: %w", c, i, crypto.ErrInvalidSignature)
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, invalidOp("signature is not canonical base64url: %w: %w", crypto.ErrInvalidSignature, err)
	}
	return b, nil
}

// VerifySignature checks op's signature against keys, did:keys in
// priority order, and returns the index of the first key that verifies.
// The signature must be strict base64url of a 64-byte low-S compact
// signature. A key that does not parse fails the whole check, as in the
// reference directory. Failures wrap ErrInvalidOperation, and
// crypto.ErrInvalidSignature when no key verifies.
func (op *Operation) VerifySignature(keys []string) (int, error) {
	if !op.IsSigned() {
		return -1, invalidOp("not signed")
	}
	if len(keys) == 0 {
		return -1, invalidOp("no rotation key may sign it: %w", crypto.ErrInvalidSignature)
	}
	sig, err := decodeSig(op.Sig)
	if err != nil {
		return -1, err
	}
	msg, err := op.UnsignedCBOR()
	if err != nil {
		return -1, err
	}
	for i, k := range keys {
		pub, err := crypto.ParseDIDKey(k)
		if err != nil {
			return -1, invalidOp("rotation key %d: %w", i, err)
		}
		if pub.Verify(msg, sig) == nil {
			return i, nil
		}
	}
	return -1, invalidOp("no rotation key of %d verifies the signature: %w", len(keys), crypto.ErrInvalidSignature)
}

// DIDForGenesis returns the DID a signed genesis operation creates:
// "did:plc:" + the first 24 characters of the lower-case base32 of the
// SHA-256 of op.SignedCBOR().
func DIDForGenesis(op Operation) (atp.DID, error) {
	if !op.IsGenesis() {
		return atp.DID{}, invalidOp("not a genesis operation")
	}
	b, err := op.SignedCBOR()
	if err != nil {
		return atp.DID{}, err
	}
	sum := sha256.Sum256(b)
	enc := strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))
	return atp.ParseDID("did:plc:" + enc[:24])
}

// Data returns the state op gives did, the form of the directory's
// /:did/data answer. A tombstone has none and fails with ErrDIDNotFound.
func (op Operation) Data(did atp.DID) (*PLCData, error) {
	switch op.Type {
	case OpTypeTombstone:
		return nil, fmt.Errorf("%w: %s is tombstoned", ErrDIDNotFound, did)
	case OpTypeOperation, OpTypeCreate:
	default:
		return nil, invalidOp("unknown type %q", op.Type)
	}
	n := op.Normalize()
	d := &PLCData{
		DID:                 did,
		RotationKeys:        n.RotationKeys,
		VerificationMethods: n.VerificationMethods,
		AlsoKnownAs:         n.AlsoKnownAs,
		Services:            n.Services,
	}
	return d, nil
}

// Document returns the DID document op gives did, as the directory renders
// it. A tombstone has none and fails with ErrDIDNotFound.
func (op Operation) Document(did atp.DID) (*Document, error) {
	d, err := op.Data(did)
	if err != nil {
		return nil, err
	}
	return d.Document()
}

// PLCData is the state of a did:plc: the fields of its last operation,
// without type, prev and sig. It is the directory's /:did/data answer.
type PLCData struct {
	DID                 atp.DID              `json:"did"`
	RotationKeys        []string             `json:"rotationKeys"`
	VerificationMethods map[string]string    `json:"verificationMethods"`
	AlsoKnownAs         []string             `json:"alsoKnownAs"`
	Services            map[string]OpService `json:"services"`
}

// Document renders the DID document of d as the directory does: every
// verification method as a Multikey "<did>#<id>" (with the JSON-LD
// context of its curve), every service as "#<id>". Map entries come in
// canonical key order (shorter first, then bytewise). A verification
// method that is not a K-256 or P-256 did:key fails with
// ErrInvalidDocument.
func (d *PLCData) Document() (*Document, error) {
	doc := &Document{
		Context: []string{contextDID, contextMultikey},
		ID:      d.DID,
	}
	if len(d.AlsoKnownAs) > 0 {
		doc.AlsoKnownAs = slices.Clone(d.AlsoKnownAs)
	}
	for _, id := range sortedKeys(d.VerificationMethods) {
		key, err := crypto.ParseDIDKey(d.VerificationMethods[id])
		if err != nil {
			return nil, fmt.Errorf("%w: verification method %q: %w", ErrInvalidDocument, id, err)
		}
		if c := suiteContext(key.Curve()); !slices.Contains(doc.Context, c) {
			doc.Context = append(doc.Context, c)
		}
		doc.VerificationMethod = append(doc.VerificationMethod, VerificationMethod{
			ID:                 d.DID.String() + "#" + id,
			Type:               crypto.SuiteMultikey,
			Controller:         d.DID.String(),
			PublicKeyMultibase: key.Multibase(),
		})
	}
	for _, id := range sortedKeys(d.Services) {
		s := d.Services[id]
		doc.Service = append(doc.Service, Service{ID: "#" + id, Type: s.Type, Endpoint: s.Endpoint})
	}
	return doc, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case dagcbor.KeyLess(a, b):
			return -1
		case dagcbor.KeyLess(b, a):
			return 1
		}
		return 0
	})
	return keys
}

// ParseOperation decodes the JSON form of an operation, strictly: the
// fields of its type and no others, each of the right JSON type, "prev"
// present (null only for genesis), "sig" optional. Failures wrap
// ErrInvalidOperation.
func ParseOperation(data []byte) (Operation, error) {
	m, err := dagcbor.DecodeOptions{MaxSize: maxOperationJSON}.FromJSONObject(data)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: %w", ErrInvalidOperation, err)
	}
	return operationFromMap(m)
}

// DecodeOperationCBOR decodes the canonical DAG-CBOR form of an operation,
// with the same rules as ParseOperation.
func DecodeOperationCBOR(data []byte) (Operation, error) {
	if len(data) > maxOperationJSON {
		return Operation{}, invalidOp("%d bytes of CBOR", len(data))
	}
	v, err := dagcbor.Unmarshal(data)
	if err != nil {
		return Operation{}, fmt.Errorf("%w: %w", ErrInvalidOperation, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Operation{}, invalidOp("not a map")
	}
	return operationFromMap(m)
}

// operationFields lists the keys each type allows; "sig" is optional
// everywhere.
var operationFields = map[string][]string{
	OpTypeOperation: {"type", "rotationKeys", "verificationMethods", "alsoKnownAs", "services", "prev", "sig"},
	OpTypeTombstone: {"type", "prev", "sig"},
	OpTypeCreate:    {"type", "signingKey", "recoveryKey", "handle", "service", "prev", "sig"},
}

func operationFromMap(m map[string]any) (Operation, error) {
	typ, ok := m["type"].(string)
	if !ok {
		return Operation{}, invalidOp(`missing or non-string "type"`)
	}
	fields, ok := operationFields[typ]
	if !ok {
		return Operation{}, invalidOp("unknown type %q", typ)
	}
	for k := range m {
		if !slices.Contains(fields, k) {
			return Operation{}, invalidOp("%s has unexpected field %q", typ, k)
		}
	}
	for _, k := range fields {
		if _, ok := m[k]; !ok && k != "sig" {
			return Operation{}, invalidOp("%s lacks field %q", typ, k)
		}
	}
	op := Operation{Type: typ}
	if v, ok := m["sig"]; ok {
		s, ok := v.(string)
		if !ok || s == "" {
			return Operation{}, invalidOp(`"sig" is not a non-empty string`)
		}
		op.Sig = s
	}
	switch p := m["prev"].(type) {
	case nil:
		if typ == OpTypeTombstone {
			return Operation{}, invalidOp("tombstone with a null prev")
		}
	case string:
		if typ == OpTypeCreate {
			return Operation{}, invalidOp("create operation with a prev")
		}
		if p == "" {
			return Operation{}, invalidOp(`empty "prev"`)
		}
		op.Prev = p
	default:
		return Operation{}, invalidOp(`"prev" is neither a string nor null`)
	}
	var err error
	switch typ {
	case OpTypeOperation:
		if op.RotationKeys, err = stringList(m, "rotationKeys"); err != nil {
			return Operation{}, err
		}
		if op.AlsoKnownAs, err = stringList(m, "alsoKnownAs"); err != nil {
			return Operation{}, err
		}
		vms, ok := m["verificationMethods"].(map[string]any)
		if !ok {
			return Operation{}, invalidOp(`"verificationMethods" is not a map`)
		}
		op.VerificationMethods = make(map[string]string, len(vms))
		for k, v := range vms {
			s, ok := v.(string)
			if !ok {
				return Operation{}, invalidOp("verification method %q is not a string", k)
			}
			op.VerificationMethods[k] = s
		}
		svcs, ok := m["services"].(map[string]any)
		if !ok {
			return Operation{}, invalidOp(`"services" is not a map`)
		}
		op.Services = make(map[string]OpService, len(svcs))
		for k, v := range svcs {
			s, err := opService(k, v)
			if err != nil {
				return Operation{}, err
			}
			op.Services[k] = s
		}
	case OpTypeCreate:
		l := &LegacyCreate{}
		for _, f := range []struct {
			key string
			dst *string
		}{{"signingKey", &l.SigningKey}, {"recoveryKey", &l.RecoveryKey}, {"handle", &l.Handle}, {"service", &l.Service}} {
			s, ok := m[f.key].(string)
			if !ok {
				return Operation{}, invalidOp("%q is not a string", f.key)
			}
			*f.dst = s
		}
		op.Legacy = l
	}
	return op, nil
}

func stringList(m map[string]any, key string) ([]string, error) {
	items, ok := m[key].([]any)
	if !ok {
		return nil, invalidOp("%q is not a list", key)
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, invalidOp("%q item %d is not a string", key, i)
		}
		out[i] = s
	}
	return out, nil
}

func opService(id string, v any) (OpService, error) {
	sm, ok := v.(map[string]any)
	if !ok {
		return OpService{}, invalidOp("service %q is not a map", id)
	}
	if len(sm) != 2 {
		return OpService{}, invalidOp("service %q must have exactly type and endpoint", id)
	}
	typ, ok1 := sm["type"].(string)
	ep, ok2 := sm["endpoint"].(string)
	if !ok1 || !ok2 {
		return OpService{}, invalidOp("service %q must have string type and endpoint", id)
	}
	return OpService{Type: typ, Endpoint: ep}, nil
}

// JSON forms, one per type, in the field order the reference writes.
type (
	operationJSON struct {
		Type                string               `json:"type"`
		RotationKeys        []string             `json:"rotationKeys"`
		VerificationMethods map[string]string    `json:"verificationMethods"`
		AlsoKnownAs         []string             `json:"alsoKnownAs"`
		Services            map[string]OpService `json:"services"`
		Prev                *string              `json:"prev"`
		Sig                 string               `json:"sig,omitempty"`
	}
	tombstoneJSON struct {
		Type string `json:"type"`
		Prev string `json:"prev"`
		Sig  string `json:"sig,omitempty"`
	}
	createJSON struct {
		Type        string  `json:"type"`
		SigningKey  string  `json:"signingKey"`
		RecoveryKey string  `json:"recoveryKey"`
		Handle      string  `json:"handle"`
		Service     string  `json:"service"`
		Prev        *string `json:"prev"`
		Sig         string  `json:"sig,omitempty"`
	}
)

// MarshalJSON encodes op in the JSON form the directory accepts.
func (op Operation) MarshalJSON() ([]byte, error) {
	switch op.Type {
	case OpTypeOperation:
		w := operationJSON{
			Type:                op.Type,
			RotationKeys:        nonNil(op.RotationKeys),
			VerificationMethods: op.VerificationMethods,
			AlsoKnownAs:         nonNil(op.AlsoKnownAs),
			Services:            op.Services,
			Sig:                 op.Sig,
		}
		if w.VerificationMethods == nil {
			w.VerificationMethods = map[string]string{}
		}
		if w.Services == nil {
			w.Services = map[string]OpService{}
		}
		if op.Prev != "" {
			w.Prev = &op.Prev
		}
		return json.Marshal(w)
	case OpTypeTombstone:
		if op.Prev == "" {
			return nil, invalidOp("tombstone without prev")
		}
		return json.Marshal(tombstoneJSON{Type: op.Type, Prev: op.Prev, Sig: op.Sig})
	case OpTypeCreate:
		if op.Legacy == nil {
			return nil, invalidOp("create operation without its fields")
		}
		l := op.Legacy
		return json.Marshal(createJSON{Type: op.Type, SigningKey: l.SigningKey, RecoveryKey: l.RecoveryKey,
			Handle: l.Handle, Service: l.Service, Sig: op.Sig})
	default:
		return nil, invalidOp("unknown type %q", op.Type)
	}
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// UnmarshalJSON decodes op with ParseOperation.
func (op *Operation) UnmarshalJSON(data []byte) error {
	o, err := ParseOperation(data)
	if err != nil {
		return err
	}
	*op = o
	return nil
}

// Validate checks the limits the did:plc specification and the directory
// set on new operations: for a plc_operation, 1 to 5 distinct K-256 or
// P-256 rotation keys; at most 10 verification methods, each a
// syntactically valid did:key under an id of at most 32 characters without
// '#'; at most 10 distinct alsoKnownAs entries of at most 258 characters;
// at most 10 services with ids of at most 32 characters, types of at most
// 256 and endpoints of at most 512; a prev that is a CID. For every type,
// the signed encoding (or, unsigned, with room for a signature) must fit in
// MaxOperationSize. Verifying logs does not apply these rules, which old
// operations may break.
func (op *Operation) Validate() error {
	if op.Prev != "" {
		if _, err := dagcbor.ParseCIDString(op.Prev); err != nil {
			return invalidOp("prev: %w", err)
		}
	}
	if op.Type == OpTypeOperation {
		if err := op.validateFields(); err != nil {
			return err
		}
	}
	b, err := op.UnsignedCBOR()
	if err != nil {
		return err
	}
	size := len(b)
	if op.IsSigned() {
		s, err := op.SignedCBOR()
		if err != nil {
			return err
		}
		size = len(s)
	} else {
		size += sigOverhead
	}
	if size > MaxOperationSize {
		return invalidOp("%d bytes of DAG-CBOR, more than %d", size, MaxOperationSize)
	}
	return nil
}

func (op *Operation) validateFields() error {
	if n := len(op.RotationKeys); n < 1 || n > 5 {
		return invalidOp("%d rotation keys, want 1 to 5", n)
	}
	for i, k := range op.RotationKeys {
		if _, err := crypto.ParseDIDKey(k); err != nil {
			return invalidOp("rotation key %d: %w", i, err)
		}
		if slices.Contains(op.RotationKeys[:i], k) {
			return invalidOp("rotation key %d repeats %s", i, k)
		}
	}
	if len(op.VerificationMethods) > 10 {
		return invalidOp("%d verification methods, more than 10", len(op.VerificationMethods))
	}
	for id, k := range op.VerificationMethods {
		if id == "" || len(id) > 32 || strings.Contains(id, "#") {
			return invalidOp("verification method id %q", id)
		}
		if !validDIDKeySyntax(k) {
			return invalidOp("verification method %q is not a did:key: %q", id, k)
		}
	}
	if len(op.AlsoKnownAs) > 10 {
		return invalidOp("%d alsoKnownAs entries, more than 10", len(op.AlsoKnownAs))
	}
	for i, aka := range op.AlsoKnownAs {
		if len(aka) > 258 {
			return invalidOp("alsoKnownAs entry %d longer than 258 bytes", i)
		}
		if slices.Contains(op.AlsoKnownAs[:i], aka) {
			return invalidOp("duplicate alsoKnownAs entry %q", aka)
		}
	}
	if len(op.Services) > 10 {
		return invalidOp("%d services, more than 10", len(op.Services))
	}
	for id, s := range op.Services {
		if id == "" || len(id) > 32 || strings.Contains(id, "#") {
			return invalidOp("service id %q", id)
		}
		if len(s.Type) > 256 || len(s.Endpoint) > 512 {
			return invalidOp("service %q type or endpoint too long", id)
		}
	}
	return nil
}

// validDIDKeySyntax reports whether s is "did:key:z" followed by base58btc
// characters: the only check the directory makes on verification methods,
// which may hold keys of any type.
func validDIDKeySyntax(s string) bool {
	rest, ok := strings.CutPrefix(s, "did:key:z")
	if !ok || rest == "" || len(s) > 256 {
		return false
	}
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(alphabet, rune(rest[i])) {
			return false
		}
	}
	return true
}
