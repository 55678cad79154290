// Command boltsky is the one binary of the boltsky PDS: `boltsky serve`
// runs a node; other subcommands administer one (see `boltsky help`).
//
// Configuration comes, in order of precedence from lowest to highest, from
// built-in defaults (a development node on 127.0.0.1:2583 storing
// everything under ./data), an optional TOML file (--config), BOLTSKY_*
// environment variables and command-line flags.
package main
