package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/httpapi"
)

// A backup is an account file exactly as the node holds it (a hot,
// consistent copy), named <did>.db, with its SHA-256 beside it in
// <did>.db.sha256 in sha256sum's format. restore checks the digest before
// anything is sent, and the node checks it again before opening the file.

// sumSuffix names the digest file beside a backup.
const sumSuffix = ".sha256"

// backupResult describes one backup written.
type backupResult struct {
	did  atp.DID
	path string
	rev  string
	size int64
}

// runBackup is `boltsky backup`.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	c := newCommand("backup", "backup (--did DID | --all) --out PATH [flags]", stderr)
	did := c.fs.String("did", "", "account to back up (DID or handle); --out is the file to write")
	all := c.fs.Bool("all", false, "back up every account; --out is the directory to write <did>.db files into")
	out := c.fs.String("out", "", "file or directory to write")
	nf := c.withNode(env)
	operands, err := c.parse(args)
	switch {
	case err != nil:
		return err
	case len(operands) > 0:
		return c.usageError("unexpected argument %q", operands[0])
	case (*did == "") == !*all:
		return c.usageError("give either --did or --all")
	case *out == "":
		return c.usageError("--out is required")
	}
	s, err := nf.connect(ctx, env, stderr, false)
	if err != nil {
		return err
	}
	defer s.close()
	if !*all {
		d, err := s.resolveAccount(ctx, *did)
		if err != nil {
			return err
		}
		res, err := s.backupTo(ctx, d, *out)
		if err != nil {
			return err
		}
		printBackup(stdout, res)
		return nil
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", *out, err)
	}
	list, err := s.accounts(ctx, false)
	if err != nil {
		return err
	}
	bar := newProgress(stderr, len(list), "backing up")
	var failed []string
	var total int64
	for _, l := range list {
		d, err := atp.ParseDID(l.DID)
		if err == nil {
			var res backupResult
			if res, err = s.backupTo(ctx, d, filepath.Join(*out, d.String()+".db")); err == nil {
				total += res.size
				bar.Clear()
				printBackup(stdout, res)
			}
		}
		if err != nil {
			bar.Clear()
			fmt.Fprintf(stderr, "boltsky: cannot back up %s: %v\n", l.DID, err)
			failed = append(failed, l.DID)
		}
		bar.Add(1)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	bar.Finish()
	fmt.Fprintf(stdout, "backed up %d of %d accounts (%d bytes) into %s\n", len(list)-len(failed), len(list), total, *out)
	if len(failed) > 0 {
		return fmt.Errorf("%d accounts were not backed up: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

func printBackup(w io.Writer, r backupResult) {
	rev := r.rev
	if rev == "" {
		rev = "(no commit)"
	}
	fmt.Fprintf(w, "backed up %s at rev %s: %s (%d bytes)\n", r.did, rev, r.path, r.size)
}

// backupTo writes a backup of did to path, and its digest beside it. The
// copy goes to a temporary file first and is renamed into place only
// once its length and digest match what the node sent.
func (s *session) backupTo(ctx context.Context, did atp.DID, path string) (backupResult, error) {
	res := backupResult{did: did, path: path}
	resp, err := s.do(ctx, "GET", "/admin/backup", url.Values{"did": {did.String()}}, nil, -1, "")
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	want := resp.Header.Get(httpapi.BackupSHA256Header)
	res.rev = resp.Header.Get(httpapi.BackupRevHeader)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return res, fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return res, fmt.Errorf("cannot create a file beside %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	sum := sha256.New()
	res.size, err = io.Copy(io.MultiWriter(tmp, sum), resp.Body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("cannot receive the backup of %s: %w", did, err)
	}
	got := hex.EncodeToString(sum.Sum(nil))
	if want == "" || got != want {
		return res, fmt.Errorf("the backup of %s arrived damaged: its SHA-256 is %s, the node sent %q", did, got, want)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return res, fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := writeFileSync(path+sumSuffix, []byte(got+"  "+filepath.Base(path)+"\n")); err != nil {
		return res, err
	}
	return res, nil
}

// writeFileSync writes a small file through a temporary file and a sync.
func writeFileSync(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// runRestore is `boltsky restore`.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	c := newCommand("restore", "restore [--replace] FILE|DIR... [flags]", stderr)
	replace := c.fs.Bool("replace", false, "replace accounts the node already hosts (their data newer than the backup is lost)")
	nf := c.withNode(env)
	operands, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(operands) == 0 {
		return c.usageError("name the backup files or directories to restore")
	}
	files, err := backupFiles(operands)
	if err != nil {
		return err
	}
	s, err := nf.connect(ctx, env, stderr, true)
	if err != nil {
		return err
	}
	defer s.close()
	bar := newProgress(stderr, len(files), "restoring")
	var failed []string
	for _, f := range files {
		res, err := s.restoreFile(ctx, f, *replace, stderr)
		bar.Clear()
		if err != nil {
			fmt.Fprintf(stderr, "boltsky: %s: %v; nothing was installed\n", f, err)
			failed = append(failed, f)
		} else {
			printRestore(stdout, f, res)
		}
		bar.Add(1)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	bar.Finish()
	if len(files) > 1 {
		fmt.Fprintf(stdout, "restored %d of %d backups\n", len(files)-len(failed), len(files))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d backups were refused", len(failed), len(files))
	}
	return nil
}

// backupFiles expands the operands of restore: files as given, and the
// *.db files of directories.
func backupFiles(operands []string) ([]string, error) {
	var out []string
	for _, op := range operands {
		fi, err := os.Stat(op)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, op)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(op, "*.db"))
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s holds no backups (*.db files)", op)
		}
		sort.Strings(matches)
		out = append(out, matches...)
	}
	return out, nil
}

func printRestore(w io.Writer, path string, r httpapi.RestoreResult) {
	rev := r.Rev.String()
	if rev == "" {
		rev = "(no commit)"
	}
	verb := "restored"
	if r.Replaced {
		verb = "replaced"
	}
	fmt.Fprintf(w, "%s %s (%s, %s) at rev %s with %d records from %s; emitted %s\n",
		verb, r.DID, r.Handle, r.Status, rev, r.Records, path, strings.Join(r.Events, " "))
}

// restoreFile checks a backup against its digest file, when there is one,
// and sends it to the node to check and install.
func (s *session) restoreFile(ctx context.Context, path string, replace bool, stderr io.Writer) (httpapi.RestoreResult, error) {
	var res httpapi.RestoreResult
	want, err := readSum(path + sumSuffix)
	switch {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(stderr, "boltsky: warning: no %s beside %s, so it cannot be checked for damage before the node opens it\n",
			filepath.Base(path+sumSuffix), path)
	case err != nil:
		return res, err
	}
	f, err := os.Open(path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return res, err
	}
	q := url.Values{}
	if want != "" {
		sum := sha256.New()
		if _, err := io.Copy(sum, f); err != nil {
			return res, fmt.Errorf("cannot read %s: %w", path, err)
		}
		if got := hex.EncodeToString(sum.Sum(nil)); got != want {
			return res, fmt.Errorf("the backup is damaged or truncated: its SHA-256 is %s, %s says %s",
				got, filepath.Base(path+sumSuffix), want)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return res, err
		}
		q.Set("sha256", want)
	}
	if replace {
		q.Set("replace", "true")
	}
	resp, err := s.do(ctx, "POST", "/admin/restore", q, f, fi.Size(), "application/octet-stream")
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return res, fmt.Errorf("cannot read the node's answer: %w", err)
	}
	return res, nil
}

// readSum reads the digest of a sha256sum-style file.
func readSum(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return "", fmt.Errorf("%s is empty", path)
	}
	sum, err := hex.DecodeString(fields[0])
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("%s does not hold a SHA-256 digest", path)
	}
	return strings.ToLower(fields[0]), nil
}

// runCompact is `boltsky compact`.
func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	c := newCommand("compact", "compact (--did DID | --all) [flags]", stderr)
	did := c.fs.String("did", "", "account whose file to compact (DID or handle)")
	all := c.fs.Bool("all", false, "compact every account file")
	nf := c.withNode(env)
	operands, err := c.parse(args)
	switch {
	case err != nil:
		return err
	case len(operands) > 0:
		return c.usageError("unexpected argument %q", operands[0])
	case (*did == "") == !*all:
		return c.usageError("give either --did or --all")
	}
	s, err := nf.connect(ctx, env, stderr, false)
	if err != nil {
		return err
	}
	defer s.close()
	var dids []atp.DID
	if *all {
		list, err := s.accounts(ctx, false)
		if err != nil {
			return err
		}
		for _, l := range list {
			if d, err := atp.ParseDID(l.DID); err == nil {
				dids = append(dids, d)
			}
		}
	} else {
		d, err := s.resolveAccount(ctx, *did)
		if err != nil {
			return err
		}
		dids = []atp.DID{d}
	}
	bar := newProgress(stderr, len(dids), "compacting")
	var before, after int64
	var failed int
	for _, d := range dids {
		res, err := s.compact(ctx, d)
		bar.Clear()
		if err != nil {
			fmt.Fprintf(stderr, "boltsky: cannot compact %s: %v\n", d, err)
			failed++
		} else {
			before, after = before+res.Before, after+res.After
			fmt.Fprintf(stdout, "compacted %s: %d → %d bytes\n", d, res.Before, res.After)
		}
		bar.Add(1)
	}
	bar.Finish()
	if len(dids) > 1 {
		fmt.Fprintf(stdout, "compacted %d files: %d → %d bytes\n", len(dids)-failed, before, after)
	}
	if failed > 0 {
		return fmt.Errorf("%d account files were not compacted", failed)
	}
	return nil
}

// compact asks the node to compact did's account file.
func (s *session) compact(ctx context.Context, did atp.DID) (httpapi.CompactResult, error) {
	var res httpapi.CompactResult
	resp, err := s.do(ctx, "POST", "/admin/compact", url.Values{"did": {did.String()}}, nil, -1, "")
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	return res, decodeJSON(resp.Body, &res)
}
