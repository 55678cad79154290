package identity_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/testvectors"
)

const auditDir = "extra/did-method-plc/interop_tests/audit_log"

// auditVectors lists the vector files of one folder ("valid" or "invalid").
func auditVectors(t *testing.T, kind string) []string {
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
		})
	}
	for _, rel := range invalid {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			entries, err := readAuditLog(t, rel)
			if err != nil {
				if !errors.Is(err, identity.ErrInvalidOperation) {
					t.Fatalf("decode failed with %v, want ErrInvalidOperation", err)
				}
				return
			}
			err = identity.VerifyAuditLog(entries)
			if !errors.Is(err, identity.ErrInvalidAuditLog) {
				t.Fatalf("VerifyAuditLog = %v, want ErrInvalidAuditLog", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
	t.Logf("audit-log vectors: %d valid accepted, %d invalid rejected", len(valid), len(invalid))
}
