package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/boltsky/boltsky/atp"
)

// adminUsage lists the admin subcommands.
const adminUsage = `usage: boltsky admin <command> [flags]

commands:
  create-invite [--uses N] [--for DID]            make one invite code
  create-invites [--count N] [--uses N] [--for DID,...]  make codes, --count per account
  account list [--json]                           every account with its handle, status and rev
  account show ACCOUNT [--json]                   one account's details
  takedown ACCOUNT [--ref REF]                    take an account down (ends its sessions)
  untakedown ACCOUNT                              lift a takedown
  reset-password ACCOUNT [--password P]           set a new password (a random one is printed when none is given)
  export ACCOUNT --out FILE                       write the account's repository as a CAR ("-" for stdout)
  import ACCOUNT FILE                             replace the account's repository with a CAR

ACCOUNT is a DID or a handle. Each command takes serve's settings and
--server URL, --admin-password PASSWORD or --local (see boltsky -h).
`

// runAdmin is `boltsky admin`.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return errUsage
	}
	name, rest := args[0], args[1:]
	if name == "account" {
		if len(rest) == 0 || (rest[0] != "list" && rest[0] != "show") {
			fmt.Fprint(stderr, adminUsage)
			return errUsage
		}
		name, rest = "account "+rest[0], rest[1:]
	}
	cmd, ok := adminCommands[name]
	if !ok {
		if name == "help" || name == "-h" || name == "--help" {
			fmt.Fprint(stdout, adminUsage)
			return nil
		}
		fmt.Fprintf(stderr, "boltsky admin: unknown command %q\n\n%s", name, adminUsage)
		return errUsage
	}
	c := newCommand("admin "+name, "admin "+name+" "+cmd.usage, stderr)
	run := cmd.setup(c)
	nf := c.withNode(env)
	operands, err := c.parse(rest)
	if err != nil {
		return err
	}
	if len(operands) != cmd.operands {
		return c.usageError("want %d arguments, got %d", cmd.operands, len(operands))
	}
	s, err := nf.connect(ctx, env, stderr, false)
	if err != nil {
		return err
	}
	defer s.close()
	return run(ctx, s, operands, stdout)
}

// adminCommand is an admin subcommand: its operand count, the rest of
// its usage line, and setup, which registers its flags and returns what
// runs it.
type adminCommand struct {
	operands int
	usage    string
	setup    func(c *command) adminRun
}

type adminRun func(ctx context.Context, s *session, operands []string, stdout io.Writer) error

var adminCommands = map[string]adminCommand{
	"create-invite":  {0, "[--uses N] [--for DID] [flags]", setupCreateInvite},
	"create-invites": {0, "[--count N] [--uses N] [--for DID,...] [flags]", setupCreateInvites},
	"account list":   {0, "[--json] [flags]", setupAccountList},
	"account show":   {1, "ACCOUNT [--json] [flags]", setupAccountShow},
	"takedown":       {1, "ACCOUNT [--ref REF] [flags]", setupTakedown(true)},
	"untakedown":     {1, "ACCOUNT [flags]", setupTakedown(false)},
	"reset-password": {1, "ACCOUNT [--password P] [flags]", setupResetPassword},
	"export":         {1, "ACCOUNT --out FILE [flags]", setupExport},
	"import":         {2, "ACCOUNT FILE [flags]", setupImport},
}

func setupCreateInvite(c *command) adminRun {
	uses := c.fs.Int("uses", 1, "how many sign-ups the code allows")
	forDID := c.fs.String("for", "", "account the code belongs to (default: the admin)")
	return func(ctx context.Context, s *session, _ []string, stdout io.Writer) error {
		in := map[string]any{"useCount": *uses}
		if *forDID != "" {
			in["forAccount"] = *forDID
		}
		var out struct {
			Code string `json:"code"`
		}
		if err := s.procedure(ctx, "com.atproto.server.createInviteCode", in, &out); err != nil {
			return err
		}
		fmt.Fprintln(stdout, out.Code)
		return nil
	}
}

func setupCreateInvites(c *command) adminRun {
	count := c.fs.Int("count", 1, "how many codes to make for each account")
	uses := c.fs.Int("uses", 1, "how many sign-ups each code allows")
	forDIDs := c.fs.String("for", "", "comma-separated accounts the codes belong to (default: the admin)")
	return func(ctx context.Context, s *session, _ []string, stdout io.Writer) error {
		in := map[string]any{"codeCount": *count, "useCount": *uses}
		if *forDIDs != "" {
			in["forAccounts"] = strings.Split(*forDIDs, ",")
		}
		var out struct {
			Codes []struct {
				Account string   `json:"account"`
				Codes   []string `json:"codes"`
			} `json:"codes"`
		}
		if err := s.procedure(ctx, "com.atproto.server.createInviteCodes", in, &out); err != nil {
			return err
		}
		for _, a := range out.Codes {
			for _, code := range a.Codes {
				if *forDIDs != "" {
					fmt.Fprintf(stdout, "%s\t%s\n", code, a.Account)
				} else {
					fmt.Fprintln(stdout, code)
				}
			}
		}
		return nil
	}
}

func setupAccountList(c *command) adminRun {
	asJSON := c.fs.Bool("json", false, "print JSON lines")
	return func(ctx context.Context, s *session, _ []string, stdout io.Writer) error {
		list, err := s.accounts(ctx, true)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			for _, l := range list {
				if err := enc.Encode(l); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "DID\tHANDLE\tSTATUS\tREV\tSIZE\tEMAIL")
		for _, l := range list {
			status := l.Status
			if l.Error != "" {
				status = "unreadable: " + l.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", l.DID, l.Handle, status, l.Rev, l.Size, l.Email)
		}
		fmt.Fprintf(tw, "%d accounts\n", len(list))
		return tw.Flush()
	}
}

// accountDetails is what `admin account show` prints.
type accountDetails struct {
	DID              string `json:"did"`
	Handle           string `json:"handle"`
	Email            string `json:"email,omitempty"`
	EmailConfirmedAt string `json:"emailConfirmedAt,omitempty"`
	CreatedAt        string `json:"createdAt,omitempty"`
	Status           string `json:"status"`
	TakedownRef      string `json:"takedownRef,omitempty"`
	DeactivatedAt    string `json:"deactivatedAt,omitempty"`
	InvitesDisabled  bool   `json:"invitesDisabled"`
	Invites          int    `json:"invites"`
	Rev              string `json:"rev,omitempty"`
	Commit           string `json:"commit,omitempty"`
}

func setupAccountShow(c *command) adminRun {
	asJSON := c.fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, s *session, operands []string, stdout io.Writer) error {
		did, err := s.resolveAccount(ctx, operands[0])
		if err != nil {
			return err
		}
		d, err := s.accountDetails(ctx, did)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(d)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		row := func(k, v string) {
			if v != "" {
				fmt.Fprintf(tw, "%s:\t%s\n", k, v)
			}
		}
		row("did", d.DID)
		row("handle", d.Handle)
		email := d.Email
		if email != "" && d.EmailConfirmedAt != "" {
			email += " (confirmed " + d.EmailConfirmedAt + ")"
		} else if email != "" {
			email += " (unconfirmed)"
		}
		row("email", email)
		row("created", d.CreatedAt)
		status := d.Status
		if d.TakedownRef != "" {
			status += " (ref " + d.TakedownRef + ")"
		}
		row("status", status)
		row("deactivated", d.DeactivatedAt)
		if d.Rev != "" {
			row("repo", fmt.Sprintf("rev %s, commit %s", d.Rev, d.Commit))
		}
		row("invites", fmt.Sprintf("%d codes%s", d.Invites, map[bool]string{true: ", disabled"}[d.InvitesDisabled]))
		return tw.Flush()
	}
}

// accountDetails gathers an account's details from the admin methods.
func (s *session) accountDetails(ctx context.Context, did atp.DID) (accountDetails, error) {
	var info struct {
		DID              string `json:"did"`
		Handle           string `json:"handle"`
		Email            string `json:"email"`
		IndexedAt        string `json:"indexedAt"`
		EmailConfirmedAt string `json:"emailConfirmedAt"`
		DeactivatedAt    string `json:"deactivatedAt"`
		InvitesDisabled  bool   `json:"invitesDisabled"`
		Invites          []any  `json:"invites"`
	}
	q := url.Values{"did": {did.String()}}
	if err := s.query(ctx, "com.atproto.admin.getAccountInfo", q, &info); err != nil {
		return accountDetails{}, err
	}
	d := accountDetails{DID: info.DID, Handle: info.Handle, Email: info.Email, EmailConfirmedAt: info.EmailConfirmedAt,
		CreatedAt: info.IndexedAt, DeactivatedAt: info.DeactivatedAt, InvitesDisabled: info.InvitesDisabled,
		Invites: len(info.Invites), Status: "active"}
	var status struct {
		Takedown *struct {
			Applied bool   `json:"applied"`
			Ref     string `json:"ref"`
		} `json:"takedown"`
		Deactivated *struct {
			Applied bool `json:"applied"`
		} `json:"deactivated"`
	}
	if err := s.query(ctx, "com.atproto.admin.getSubjectStatus", q, &status); err != nil {
		return d, err
	}
	switch {
	case status.Takedown != nil && status.Takedown.Applied:
		d.Status, d.TakedownRef = "takendown", status.Takedown.Ref
	case status.Deactivated != nil && status.Deactivated.Applied:
		d.Status = "deactivated"
	}
	var head struct {
		CID string `json:"cid"`
		Rev string `json:"rev"`
	}
	if err := s.query(ctx, "com.atproto.sync.getLatestCommit", q, &head); err == nil {
		d.Rev, d.Commit = head.Rev, head.CID
	}
	return d, nil
}

func setupTakedown(apply bool) func(c *command) adminRun {
	return func(c *command) adminRun {
		ref := new(string)
		if apply {
			ref = c.fs.String("ref", "", "moderation reference recorded with the takedown")
		}
		return func(ctx context.Context, s *session, operands []string, stdout io.Writer) error {
			did, err := s.resolveAccount(ctx, operands[0])
			if err != nil {
				return err
			}
			// The node acknowledges a takedown of an account it does not
			// host (a moderation service may send one); here that is a
			// mistake.
			if err := s.query(ctx, "com.atproto.admin.getSubjectStatus", url.Values{"did": {did.String()}}, nil); err != nil {
				return err
			}
			takedown := map[string]any{"applied": apply}
			if *ref != "" {
				takedown["ref"] = *ref
			}
			in := map[string]any{
				"subject":  map[string]string{"$type": "com.atproto.admin.defs#repoRef", "did": did.String()},
				"takedown": takedown,
			}
			if err := s.procedure(ctx, "com.atproto.admin.updateSubjectStatus", in, nil); err != nil {
				return err
			}
			if apply {
				fmt.Fprintf(stdout, "took down %s; its sessions are ended and #account was emitted\n", did)
			} else {
				fmt.Fprintf(stdout, "lifted the takedown of %s; #account was emitted\n", did)
			}
			return nil
		}
	}
}

func setupResetPassword(c *command) adminRun {
	password := c.fs.String("password", "", "the new password (default: a random one, printed)")
	return func(ctx context.Context, s *session, operands []string, stdout io.Writer) error {
		did, err := s.resolveAccount(ctx, operands[0])
		if err != nil {
			return err
		}
		pw := *password
		if pw == "" {
			b := make([]byte, 15)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			pw = strings.ToLower(base32.StdEncoding.EncodeToString(b))
			pw = pw[0:6] + "-" + pw[6:12] + "-" + pw[12:18] + "-" + pw[18:24]
		}
		in := map[string]string{"did": did.String(), "password": pw}
		if err := s.procedure(ctx, "com.atproto.admin.updateAccountPassword", in, nil); err != nil {
			return err
		}
		if *password == "" {
			fmt.Fprintf(stdout, "new password of %s: %s\n", did, pw)
		} else {
			fmt.Fprintf(stdout, "set the password of %s\n", did)
		}
		fmt.Fprintln(stdout, "its sessions are ended")
		return nil
	}
}

func setupExport(c *command) adminRun {
	out := c.fs.String("out", "", `CAR file to write ("-" for stdout)`)
	return func(ctx context.Context, s *session, operands []string, stdout io.Writer) error {
		if *out == "" {
			return c.usageError("--out is required")
		}
		did, err := s.resolveAccount(ctx, operands[0])
		if err != nil {
			return err
		}
		resp, err := s.do(ctx, "GET", "/xrpc/com.atproto.sync.getRepo", url.Values{"did": {did.String()}}, nil, -1, "")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if *out == "-" {
			_, err := io.Copy(stdout, resp.Body)
			return err
		}
		tmp, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".tmp-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		n, err := io.Copy(tmp, resp.Body)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), *out)
		}
		if err != nil {
			return fmt.Errorf("cannot write %s: %w", *out, err)
		}
		fmt.Fprintf(stdout, "exported the repository of %s to %s (%d bytes)\n", did, *out, n)
		return nil
	}
}

func setupImport(*command) adminRun {
	return func(ctx context.Context, s *session, operands []string, stdout io.Writer) error {
		did, err := s.resolveAccount(ctx, operands[0])
		if err != nil {
			return err
		}
		f, err := os.Open(operands[1])
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		resp, err := s.do(ctx, "POST", "/admin/import", url.Values{"did": {did.String()}}, f, fi.Size(), "application/vnd.ipld.car")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out struct {
			Rev     string `json:"rev"`
			Records int    `json:"records"`
		}
		if err := decodeJSON(resp.Body, &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported %d records into %s at rev %s; #sync was emitted if the account is active\n", out.Records, did, out.Rev)
		return nil
	}
}
