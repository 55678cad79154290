package kv

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mappedRSS returns the resident kilobytes of the mappings of path in this
// process, from /proc/self/smaps.
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = len(fields) >= 6 && fields[5] == path
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			total += kb
		}
	}
	return total
}

func TestEventLogReleaseMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	l, err := OpenEventLog(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	did := mustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	var entries []LogEntry
	for seq := uint64(1); seq <= 4000; seq++ {
		entries = append(entries, LogEntry{Seq: seq, Time: time.Unix(1700000000, 0), DID: did, Frame: bytes.Repeat([]byte{byte(seq)}, 3000)})
	}
	if err := l.Append(entries); err != nil {
		t.Fatal(err)
	}
	read := func() {
		evs, err := l.Read(0, 10000)
		if err != nil || len(evs) != 4000 || evs[3999].Frame[0] != byte(4000%256) {
			t.Fatalf("read %d events, %v", len(evs), err)
		}
	}
	read()
	before := mappedRSS(t, path)
	if err := l.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	after := mappedRSS(t, path)
	t.Logf("resident pages of the mapping: %d KiB before, %d KiB after", before, after)
	if before < 8000 || after > before/10 {
		t.Fatalf("mapping resident %d KiB before the release and %d KiB after", before, after)
	}
	read() // the data is still there
}

func TestAccountReleaseMapped(t *testing.T) {
	data := validAccountFile(t)
	path := filepath.Join(t.TempDir(), "a.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := OpenAccount(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		a.View(func(tx *AccountTx) error { n = tx.BlockCount(); return nil })
		return n
	}
	blocks := count()
	before := mappedRSS(t, path)
	if err := a.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	if after := mappedRSS(t, path); before == 0 || after > before/10 {
		t.Fatalf("mapping resident %d KiB before the release and %d KiB after", before, after)
	}
	if n := count(); n != blocks {
		t.Fatalf("%d blocks after the release, %d before", n, blocks)
	}
	a.Close()
	if err := a.ReleaseMapped(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReleaseMapped on a closed file = %v", err)
	}
}
