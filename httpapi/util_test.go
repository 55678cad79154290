package httpapi_test

import (
	"encoding/base64"
	"testing"

	"github.com/boltsky/boltsky/atp"
)

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func mustHandle(tb testing.TB, s string) atp.Handle {
	tb.Helper()
	h, err := atp.ParseHandle(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}
