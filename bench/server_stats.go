package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// readRSS returns the resident set (VmRSS) and its high-water mark
// (VmHWM) of process pid, in bytes, from /proc/PID/status.
func readRSS(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("bench: cannot read the server's memory: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		var dst *int64
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			dst = &rss
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			dst = &peak
		default:
			continue
		}
		// "VmRSS:	  123456 kB"
		f := bytes.Fields(line[bytes.IndexByte(line, ':')+1:])
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, 0, fmt.Errorf("bench: unexpected line in /proc/%d/status: %q", pid, line)
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: unexpected line in /proc/%d/status: %q", pid, line)
		}
		*dst = kb << 10
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("bench: /proc/%d/status has no VmRSS", pid)
	}
	return rss, peak, nil
}

// diskUsage sums the sizes of the regular files under dir and their
// allocated blocks (as du counts them: 512-byte units of st_blocks).
// Files that vanish during the walk are skipped.
func diskUsage(dir string) (size, alloc int64, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path != dir {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		size += info.Size()
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			alloc += st.Blocks * 512
		} else {
			alloc += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("bench: cannot measure the data directory: %w", err)
	}
	return size, alloc, nil
}

// statsProbe measures the server around one measurement.
type statsProbe struct {
	p           *PDS
	size, alloc int64
	err         error
}

// startStats takes the disk usage before a measurement.
func (p *PDS) startStats() *statsProbe {
	s := &statsProbe{p: p}
	if p.target.DataDir != "" {
		s.size, s.alloc, s.err = diskUsage(p.target.DataDir)
	}
	return s
}

// finish takes memory and disk after a measurement during which records
// records were written; it returns nil when the target has neither PID
// nor data directory.
func (s *statsProbe) finish(records int64) (*ServerStats, error) {
	t := s.p.target
	if t.PID == 0 && t.DataDir == "" {
		return nil, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	st := &ServerStats{Records: records}
	if t.PID != 0 {
		var err error
		if st.RSSBytes, st.PeakRSSBytes, err = readRSS(t.PID); err != nil {
			return nil, err
		}
	}
	if t.DataDir != "" {
		var err error
		if st.DiskBytes, st.DiskAllocBytes, err = diskUsage(t.DataDir); err != nil {
			return nil, err
		}
		st.DiskGrowth = st.DiskBytes - s.size
		st.DiskAllocGrowth = st.DiskAllocBytes - s.alloc
	}
	return st, nil
}
