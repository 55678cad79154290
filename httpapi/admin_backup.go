package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// The operator routes under /admin/ serve `boltsky backup`, `restore`,
// `compact` and `admin`: whole account files rather than XRPC records.
// Each needs the admin password (HTTP Basic, user "admin"), and answers
// errors in the XRPC form ({"error","message"}).
//
//	GET  /admin/accounts[?detail=true]  every hosted DID, inactive ones too, as JSON lines
//	GET  /admin/accounts?handle=        the account holding a handle here
//	GET  /admin/backup?did=             a hot, consistent copy of the account file
//	POST /admin/restore[?replace=true][&sha256=HEX]  install an account file (see RestoreAccount)
//	POST /admin/compact?did=            rewrite an idle account file without its free pages
//	POST /admin/import?did=             replace an account's repository with a CAR
const (
	adminAccountsPath = "/admin/accounts"
	adminBackupPath   = "/admin/backup"
	adminRestorePath  = "/admin/restore"
	adminCompactPath  = "/admin/compact"
	adminImportPath   = "/admin/import"
)

// Headers of a /admin/backup response, besides Content-Length: the
// account, its repository head in the copy, and the copy's SHA-256 (hex),
// which `boltsky backup` keeps beside the file for restore to check.
const (
	BackupDIDHeader    = "X-Boltsky-Did"
	BackupRevHeader    = "X-Boltsky-Rev"
	BackupCommitHeader = "X-Boltsky-Commit"
	BackupSHA256Header = "X-Boltsky-Sha256"
)

// serveAdminBackup answers the /admin/ operator routes.
func (s *Server) serveAdminBackup(rc *fasthttp.RequestCtx, path string) {
	want := "POST"
	if path == adminAccountsPath || path == adminBackupPath {
		want = "GET"
	}
	if got := string(rc.Method()); got != want && (got != "HEAD" || want != "GET") {
		rc.Response.Header.Set("Allow", want)
		writeError(rc, xerr(http.StatusMethodNotAllowed, "InvalidRequest", "Incorrect HTTP method (%s) expected %s", got, want))
		return
	}
	if !s.adminAuthorized(rc) {
		writeError(rc, errAuthRequired("Authentication Required"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	var err error
	switch path {
	case adminAccountsPath:
		err = s.adminListAccounts(rc)
	case adminBackupPath:
		err = s.adminBackup(ctx, rc)
	case adminRestorePath:
		err = s.adminRestore(ctx, rc)
	case adminCompactPath:
		err = s.adminCompact(ctx, rc)
	case adminImportPath:
		err = s.adminImport(ctx, rc)
	default:
		err = xerr(http.StatusNotFound, "NotFound", "Not Found")
	}
	if err != nil {
		s.adminFail(rc, path, err)
	}
}

// adminAuthorized checks the request's Basic credentials against the
// admin password.
func (s *Server) adminAuthorized(rc *fasthttp.RequestCtx) bool {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(string(rc.Request.Header.Peek("Authorization"))), " ")
	return strings.EqualFold(scheme, "basic") && s.checkAdmin(strings.TrimSpace(cred))
}

// adminFail answers an operator route's error, naming the restore and
// compaction refusals, and logs internal failures once.
func (s *Server) adminFail(rc *fasthttp.RequestCtx, path string, err error) {
	var xe *Error
	switch {
	case errors.As(err, &xe):
	case errors.Is(err, ErrInvalidBackup):
		xe = xerr(http.StatusBadRequest, "InvalidBackup", "%s", trimPrefix(err))
	case errors.Is(err, ErrBackupTooLarge):
		xe = xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "%s", trimPrefix(err))
	case errors.Is(err, ErrAccountHosted):
		xe = xerr(http.StatusConflict, "AlreadyExists", "%s", trimPrefix(err))
	case errors.Is(err, ErrRestoreConflict):
		xe = xerr(http.StatusConflict, "HandleOrEmailTaken", "%s", trimPrefix(err))
	case errors.Is(err, errAccountBusy):
		xe = xerr(http.StatusConflict, "AccountBusy", "%s", trimPrefix(err))
	default:
		var internal bool
		xe, internal = toXRPC(err)
		if internal {
			s.log.Error("admin request failed", "path", path, "err", err)
		}
	}
	rc.Response.ResetBody()
	writeError(rc, xe)
}

// errAccountBusy reports an account already taken out of service by
// another restore or compaction.
var errAccountBusy = errors.New("httpapi: account is being restored or compacted")

// adminDID reads the did query parameter of an operator route.
func adminDID(rc *fasthttp.RequestCtx) (atp.DID, error) {
	raw := string(rc.QueryArgs().Peek("did"))
	did, err := atp.ParseDID(raw)
	if err != nil {
		return did, invalidRequest("invalid or missing did: %q", raw)
	}
	return did, nil
}

// accountNotFound is the answer for a DID with no account file here.
func accountNotFound(did atp.DID) *Error {
	return xerr(http.StatusNotFound, "AccountNotFound", "no account file for %s on this node", did)
}

// hostedAccount reports whether did has an account file here.
func (s *Server) hostedAccount(did atp.DID) (bool, error) {
	_, err := os.Stat(kv.AccountPath(s.d.Registry.Config().DataDir, did))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// AccountListing is one line of GET /admin/accounts. Without ?detail
// only DID is set; with it, the rest comes from the account file.
type AccountListing struct {
	DID    string `json:"did"`
	Handle string `json:"handle,omitempty"`
	Email  string `json:"email,omitempty"`
	// Status is "active" or the hosting status.
	Status    string `json:"status,omitempty"`
	Rev       string `json:"rev,omitempty"`
	CreatedAt string `json:"createdAt,omitempty"`
	// Size is the account file's size in bytes.
	Size int64 `json:"size,omitempty"`
	// Error says why the file could not be read, when it could not.
	Error string `json:"error,omitempty"`
}

// adminListAccounts streams every account file's DID (in DID order) as
// JSON lines, with ?detail=true its state too; ?handle= lists the one
// account holding that handle here, whatever its status, with detail.
func (s *Server) adminListAccounts(rc *fasthttp.RequestCtx) error {
	dataDir := s.d.Registry.Config().DataDir
	detail := string(rc.QueryArgs().Peek("detail")) == "true"
	var dids []atp.DID
	if raw := string(rc.QueryArgs().Peek("handle")); raw != "" {
		h, err := atp.ParseHandle(raw)
		if err != nil {
			return invalidRequest("invalid handle: %q", raw)
		}
		did, err := s.d.Index.HandleDID(h)
		if errors.Is(err, kv.ErrNotFound) {
			return xerr(http.StatusNotFound, "AccountNotFound", "no account has the handle %s here", h)
		} else if err != nil {
			return err
		}
		dids, detail = []atp.DID{did}, true
	} else {
		var err error
		if dids, err = kv.AccountDIDs(dataDir); err != nil {
			return err
		}
		slices.SortFunc(dids, func(a, b atp.DID) int { return strings.Compare(a.String(), b.String()) })
	}
	rc.SetStatusCode(http.StatusOK)
	rc.SetContentType("application/x-ndjson")
	reg, timeout := s.d.Registry, s.cfg.RequestTimeout
	rc.SetBodyStreamWriter(func(w *bufio.Writer) {
		enc := json.NewEncoder(w)
		for _, did := range dids {
			line := AccountListing{DID: did.String()}
			if detail {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				line = accountListing(ctx, reg, dataDir, did)
				cancel()
			}
			if err := enc.Encode(line); err != nil {
				return
			}
		}
	})
	return nil
}

// accountListing reads the detail line of one account.
func accountListing(ctx context.Context, reg registryView, dataDir string, did atp.DID) AccountListing {
	line := AccountListing{DID: did.String()}
	if fi, err := os.Stat(kv.AccountPath(dataDir, did)); err == nil {
		line.Size = fi.Size()
	}
	err := reg.View(ctx, did, func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if err != nil {
			return err
		}
		line.Handle, line.Email, line.Status = st.Handle.String(), st.Email, statusName(st.Status)
		if !st.CreatedAt.IsZero() {
			line.CreatedAt = srvTime(st.CreatedAt)
		}
		if head, err := tx.Head(); err == nil {
			line.Rev = head.Rev.String()
		}
		return nil
	})
	if err != nil {
		line.Error = err.Error()
	}
	return line
}

// registryView is the part of the registry accountListing reads.
type registryView interface {
	View(ctx context.Context, did atp.DID, fn func(tx *kv.AccountTx) error) error
}

func statusName(st kv.Status) string {
	if st == kv.StatusActive {
		return "active"
	}
	return string(st)
}

// adminBackup answers GET /admin/backup?did= with a hot, consistent copy
// of the account file, taken while writes go on. The copy is first
// written beside the data (so the read transaction it needs stays short
// whatever the client's speed), checked, and then sent with its length
// and SHA-256, so a client can tell a cut or damaged transfer.
func (s *Server) adminBackup(ctx context.Context, rc *fasthttp.RequestCtx) error {
	did, err := adminDID(rc)
	if err != nil {
		return err
	}
	if ok, err := s.hostedAccount(did); err != nil {
		return err
	} else if !ok {
		return accountNotFound(did)
	}
	tmp, err := s.accountTemp(".backup-")
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	sum := sha256.New()
	size, err := s.d.Registry.Backup(ctx, did, io.MultiWriter(tmp, sum))
	if isAccountMissing(err) {
		return accountNotFound(did)
	}
	if err != nil {
		return err
	}
	info, err := kv.InspectAccountFile(tmp.Name())
	if err != nil {
		return fmt.Errorf("the copy of %s does not check: %w", did, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("cannot rewind the copy of %s: %w", did, err)
	}
	h := &rc.Response.Header
	h.Set(BackupDIDHeader, did.String())
	h.Set(BackupSHA256Header, hex.EncodeToString(sum.Sum(nil)))
	if info.HasHead {
		h.Set(BackupRevHeader, info.Head.Rev.String())
		h.Set(BackupCommitHeader, info.Head.Commit.String())
	}
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.db"`, did))
	rc.SetStatusCode(http.StatusOK)
	rc.SetContentType("application/octet-stream")
	rc.SetBodyStream(&tempStream{f: tmp}, int(size))
	keep = true
	return nil
}

// accountTemp creates a temporary file in the accounts directory, on the
// same file system as the account files, where no account listing sees
// it.
func (s *Server) accountTemp(prefix string) (*os.File, error) {
	dir := filepath.Join(s.d.Registry.Config().DataDir, "accounts")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, prefix+"*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary file: %w", err)
	}
	return f, nil
}

// tempStream sends a temporary file and removes it once sent.
type tempStream struct{ f *os.File }

func (t *tempStream) Read(p []byte) (int, error) { return t.f.Read(p) }

func (t *tempStream) Close() error {
	err := t.f.Close()
	os.Remove(t.f.Name())
	return err
}

// bodyOf returns the request body as a reader, streamed when large.
func bodyOf(rc *fasthttp.RequestCtx) io.Reader {
	if r := rc.RequestBodyStream(); r != nil {
		return r
	}
	return bytes.NewReader(rc.PostBody())
}

// adminRestore answers POST /admin/restore: the body is an account file
// (at most four times Config.MaxCARSize bytes), checked and installed by
// RestoreAccount. ?replace=true allows replacing a hosted account, and
// ?sha256= gives the digest the body must have.
func (s *Server) adminRestore(ctx context.Context, rc *fasthttp.RequestCtx) error {
	var opts RestoreOptions
	opts.Replace = string(rc.QueryArgs().Peek("replace")) == "true"
	if raw := string(rc.QueryArgs().Peek("sha256")); raw != "" {
		sum, err := hex.DecodeString(raw)
		if err != nil || len(sum) != sha256.Size {
			return invalidRequest("sha256 is not a hex SHA-256 digest: %q", raw)
		}
		opts.SHA256 = sum
	}
	if cl := rc.Request.Header.ContentLength(); cl == 0 {
		return invalidRequest("A request body is expected but none was provided")
	} else if cl > 0 && int64(cl) > s.restoreLimit() {
		return fmt.Errorf("%w: %d bytes is over the limit of %d", ErrBackupTooLarge, cl, s.restoreLimit())
	}
	res, err := s.RestoreAccount(ctx, bodyOf(rc), opts)
	if err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	rc.SetStatusCode(http.StatusOK)
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(b)
	return nil
}

// CompactResult is the answer of POST /admin/compact.
type CompactResult struct {
	DID    string `json:"did"`
	Before int64  `json:"before"`
	After  int64  `json:"after"`
}

// adminCompact answers POST /admin/compact?did=: the account is taken out
// of service once idle, its file rewritten without free pages and put
// back; requests for it wait meanwhile.
func (s *Server) adminCompact(ctx context.Context, rc *fasthttp.RequestCtx) error {
	did, err := adminDID(rc)
	if err != nil {
		return err
	}
	if ok, err := s.hostedAccount(did); err != nil {
		return err
	} else if !ok {
		return accountNotFound(did)
	}
	res := CompactResult{DID: did.String()}
	err = s.exclusive(ctx, did, func(path string) error {
		if _, err := os.Stat(path); err != nil {
			return accountNotFound(did)
		}
		tmp := path + ".compact.tmp"
		before, after, err := kv.CompactAccountFile(path, tmp)
		if err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("cannot replace %s: %w", path, err)
		}
		res.Before, res.After = before, after
		return syncDir(filepath.Dir(path))
	})
	if err != nil {
		return err
	}
	b, _ := json.Marshal(res)
	rc.SetStatusCode(http.StatusOK)
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(b)
	return nil
}

// exclusive runs fn on did's account file while the registry holds it
// out of service, naming the refusal when another operation holds it.
func (s *Server) exclusive(ctx context.Context, did atp.DID, fn func(path string) error) error {
	ran := false
	err := s.d.Registry.Exclusive(ctx, did, func(path string) error {
		ran = true
		return fn(path)
	})
	if err != nil && !ran && ctx.Err() == nil && strings.Contains(err.Error(), "already out of service") {
		return fmt.Errorf("%w: %s", errAccountBusy, did)
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("cannot sync %s: %w", dir, err)
	}
	return nil
}

// adminImport answers POST /admin/import?did=: the body is a repository
// CAR (at most Config.MaxCARSize bytes) that replaces the account's
// repository, as com.atproto.repo.importRepo does for its owner, whatever
// the account's status.
func (s *Server) adminImport(ctx context.Context, rc *fasthttp.RequestCtx) error {
	did, err := adminDID(rc)
	if err != nil {
		return err
	}
	if ok, err := s.hostedAccount(did); err != nil {
		return err
	} else if !ok {
		return accountNotFound(did)
	}
	limit := s.cfg.MaxCARSize
	if cl := rc.Request.Header.ContentLength(); cl == 0 {
		return invalidRequest("A request body is expected but none was provided")
	} else if cl > 0 && int64(cl) > limit {
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	}
	body := &bodyReader{r: &capReader{r: bodyOf(rc), n: limit}}
	loaded, err := repo.LoadCAR(body, repo.LoadOptions{DID: did, CAR: car.Options{MaxTotalSize: limit + 1}})
	switch {
	case err == nil:
	case errors.Is(body.err, errCARTooLarge):
		return xerr(http.StatusRequestEntityTooLarge, "PayloadTooLarge", "request entity too large")
	case body.err != nil:
		return invalidRequest("Failed to read request body")
	default:
		return invalidRequest("%s", importErrorText(err))
	}
	res, err := s.d.Registry.Import(ctx, did, loaded, importedRecordBlobs)
	if err != nil {
		return s.repoWriteError(ctx, did, nil, err)
	}
	b, _ := json.Marshal(map[string]any{"did": did.String(), "commit": res.Commit.String(),
		"rev": res.Rev.String(), "records": len(loaded.Records)})
	rc.SetStatusCode(http.StatusOK)
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(b)
	return nil
}
