package httpapi_test

import (
	"testing"

	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/lexicons"
)

// TestDescribeServer: the answer carries the configured upload limit, as
// the reference's does, and passes the output schema of the vendored
// lexicon.
func TestDescribeServer(t *testing.T) {
	n := mustNode(t, nodeOptions{blobLimit: 2_000_000})
	out := n.query(t, "com.atproto.server.describeServer", "", "").JSON(t)
	if out["blobUploadLimit"] != float64(2_000_000) || out["did"] == nil || out["inviteCodeRequired"] != false {
		t.Fatalf("describeServer: %v", out)
	}
	cat, err := lexicon.LoadCatalog(lexicons.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.ValidateOutput("com.atproto.server.describeServer", out); err != nil {
		t.Fatal(err)
	}
}
