package identity_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/testvectors"
)

const auditDir = "extra/did-method-plc/interop_tests/audit_log"

// auditVectors lists the vector files of one folder ("valid" or "invalid").
func auditVectors(t testing.TB, kind string) []string {
	t.Helper()
	// Any file of the folder locates it.
	dir := filepath.Dir(testvectors.Path(t, auditDir+"/"+kind+"/"+firstVector[kind]))
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, auditDir+"/"+kind+"/"+e.Name())
		}
	}
	return out
}

// invalidReasons says why each invalid vector must be rejected: the text
// the error must contain, and whether it is a signature failure.
var invalidReasons = map[string]struct {
	text string
	sig  bool
}{
	"log_invalid_nullification_reused_key.json": {"no rotation key of 1 verifies", true},
	"log_invalid_nullification_too_slow.json":   {"outside the 72h0m0s window", false},
	"log_invalid_sig_b64_newline.json":          {"non-base64url byte", true},
	"log_invalid_sig_b64_padding_bits.json":     {"not canonical base64url", true},
	"log_invalid_sig_b64_padding_chars.json":    {"non-base64url byte '='", true},
	"log_invalid_sig_der.json":                  {"verifies the signature", true},
	"log_invalid_sig_k256_high_s.json":          {"verifies the signature", true},
	"log_invalid_sig_p256_high_s.json":          {"verifies the signature", true},
	"log_invalid_update_nullified.json":         {"is nullified", false},
	"log_invalid_update_tombstoned.json":        {"no rotation key may sign", true},
}

var firstVector = map[string]string{
	"valid":   "log_bskyapp.json",
	"invalid": "log_invalid_sig_der.json",
}

func readAuditLog(t *testing.T, rel string) ([]identity.AuditEntry, error) {
	t.Helper()
	var entries []identity.AuditEntry
	err := json.Unmarshal(testvectors.Read(t, rel), &entries)
	return entries, err
}

func TestAuditLogVectors(t *testing.T) {
	valid := auditVectors(t, "valid")
	invalid := auditVectors(t, "invalid")
	if len(valid) < 10 || len(invalid) < 10 {
		t.Fatalf("found %d valid and %d invalid audit-log vectors, want at least 10 each", len(valid), len(invalid))
	}
	for _, rel := range valid {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			entries, err := readAuditLog(t, rel)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if err := identity.VerifyAuditLog(entries); err != nil {
				t.Fatalf("VerifyAuditLog: %v", err)
			}
			// Flipping any nullified flag, or dropping the genesis,
			// breaks the log.
			for i := range entries {
				entries[i].Nullified = !entries[i].Nullified
				if identity.VerifyAuditLog(entries) == nil {
					t.Errorf("accepted with entry %d's nullified flag flipped", i)
				}
				entries[i].Nullified = !entries[i].Nullified
			}
			if len(entries) > 1 && identity.VerifyAuditLog(entries[1:]) == nil {
				t.Errorf("accepted without its genesis")
			}
		})
	}
	for _, rel := range invalid {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			want, ok := invalidReasons[filepath.Base(rel)]
			if !ok {
				t.Fatalf("no expected reason for this new vector; add it to invalidReasons")
			}
			entries, err := readAuditLog(t, rel)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			err = identity.VerifyAuditLog(entries)
			if !errors.Is(err, identity.ErrInvalidAuditLog) || !errors.Is(err, identity.ErrInvalidOperation) {
				t.Fatalf("VerifyAuditLog = %v, want ErrInvalidAuditLog and ErrInvalidOperation", err)
			}
			if want.sig && !errors.Is(err, crypto.ErrInvalidSignature) {
				t.Errorf("error %v does not wrap crypto.ErrInvalidSignature", err)
			}
			if !strings.Contains(err.Error(), want.text) {
				t.Errorf("error %v does not say %q", err, want.text)
			}
			t.Logf("rejected: %v", err)
		})
	}
	t.Logf("audit-log vectors: %d valid accepted, %d invalid rejected", len(valid), len(invalid))
}
