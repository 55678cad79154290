package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand's flag set and usage line.
type command struct {
	fs    *flag.FlagSet
	usage string
	node  *nodeFlags
}

// newCommand returns a command named name (e.g. "backup") whose usage
// line is usage.
func newCommand(name, usage string, stderr io.Writer) *command {
	c := &command{fs: flag.NewFlagSet(name, flag.ContinueOnError), usage: usage}
	c.fs.SetOutput(stderr)
	c.fs.Usage = c.printUsage
	return c
}

// withNode adds the node flags: serve's settings and --server, --local.
func (c *command) withNode(env func(string) string) *nodeFlags {
	c.node = addNodeFlags(c.fs, env)
	return c.node
}

// printUsage prints the usage line and the command's own flags; of
// serve's settings it names only those that say which node to use.
func (c *command) printUsage() {
	w := c.fs.Output()
	fmt.Fprintf(w, "usage: boltsky %s\n\nflags:\n", c.usage)
	shown := map[string]bool{"config": true, "data-dir": true, "admin-password": true, "server": true, "local": true}
	c.fs.VisitAll(func(f *flag.Flag) {
		if c.node != nil && !shown[f.Name] {
			if _, setting := c.node.cf.vals[strings.ReplaceAll(f.Name, "-", "_")]; setting {
				return
			}
		}
		name, help := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, help)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if c.node != nil {
		fmt.Fprintln(w, "\nEvery other setting of `boltsky serve -h` is accepted too.")
	}
}

// parse parses args, flags and operands in any order ("--" ends the
// flags), and returns the operands.
func (c *command) parse(args []string) ([]string, error) {
	var operands []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if i := len(args) - len(rest); i > 0 && args[i-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// usageError prints msg and the usage, and returns errUsage.
func (c *command) usageError(format string, args ...any) error {
	fmt.Fprintf(c.fs.Output(), "boltsky %s: %s\n\n", c.fs.Name(), fmt.Sprintf(format, args...))
	c.printUsage()
	return errUsage
}
