// Package crypto holds the two elliptic-curve key types atproto signs
// with, the signatures they make, and the text encodings that name public
// keys in DID documents, did:plc operations and JWT headers.
//
// # Terms
//
//   - Curve: K256 (secp256k1, JWT alg "ES256K", multicodec 0xe7) or P256
//     (NIST P-256 / secp256r1, JWT alg "ES256", multicodec 0x1200). No
//     other curve is accepted anywhere.
//   - Compact signature: the 64 bytes r‖s, each a 32-byte big-endian
//     integer, over the SHA-256 digest of the message. This is the only
//     signature encoding atproto uses; DER (ASN.1) encodings are rejected.
//   - Low-S: of the two valid values s and n−s of an ECDSA signature (n the
//     curve order), the one that is at most n/2. atproto requires it, so that
//     a signature cannot be re-encoded into a second valid one (malleability).
//   - Multikey: "z" + base58btc(varint multicodec ‖ 33-byte compressed
//     point). K-256 multikeys start "zQ3s", P-256 ones "zDna". The form used
//     in the publicKeyMultibase field of a DID document's "Multikey"
//     verification method.
//   - did:key: "did:key:" + multikey. The form used by did:plc rotation keys
//     and verification methods.
//   - Legacy key: the publicKeyMultibase of an
//     EcdsaSecp256k1VerificationKey2019 or EcdsaSecp256r1VerificationKey2019
//     verification method: "z" + base58btc of a point with no multicodec
//     prefix. Readable by [ParsePublicKeyLegacyMultibase], never written.
//
// # Invariants
//
//   - A [PrivateKey] or [PublicKey] exists only when parsing or generation
//     succeeded: its scalar is in [1, n−1] and its point is on the curve and
//     not the identity. Both are immutable and safe for concurrent use. A
//     public key keeps its parsed curve point, so verifying never re-decodes
//     it.
//   - Signing always returns a 64-byte low-S compact signature. K-256 and
//     P-256 signatures are deterministic (RFC 6979): the same key and message
//     give the same bytes.
//   - Verify accepts only a 64-byte low-S compact signature with r and s in
//     [1, n−1]; everything else fails with an error wrapping
//     [ErrInvalidSignature]. Only [PublicKey.VerifyAllowHighS] tolerates a
//     high S, for the few places (service-auth JWTs) where the reference
//     implementation does.
//   - Every multikey and did:key a parser accepts re-encodes to the same
//     string: only the compressed point and the minimal multicodec varint
//     are accepted. Legacy keys re-encode as multikeys.
//   - Secret bytes leave a [PrivateKey] only through the explicitly named
//     [PrivateKey.ExportBytes] and [PrivateKey.ExportMultibase]; printing,
//     formatting and logging a key show a redacted form, and
//     [PrivateKey.Equal] runs in constant time.
//
// Errors are the sentinels in errors.go, wrapped with detail; test them with
// errors.Is. The package holds no mutable state and takes randomness as an
// io.Reader argument.
package crypto
