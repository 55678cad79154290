// Package deploy holds the files that run boltsky in production, and the
// tests that keep them valid. It has no Go code of its own.
//
// The files:
//
//   - boltsky.service: the hardened systemd unit running `boltsky serve`
//     as the boltsky user, with the data directory as its StateDirectory
//     (/var/lib/boltsky), the only path it may write.
//   - boltsky-backup.service and boltsky-backup.timer: a nightly hot
//     backup of every account through the running node's admin API.
//   - boltsky.example.toml: a complete production configuration, one
//     comment per key; its keys are exactly the toml tags of
//     cmd/boltsky/config.go.
//   - Caddyfile: TLS with on-demand certificates for handle subdomains,
//     asking the node's /tls-check which names it may certify.
//   - nginx.conf: the same front for nginx with a wildcard certificate.
//
// Every front proxies to the node's listen address (127.0.0.1:2583),
// passes the Host header through (handles resolve by it), lets the
// firehose websocket through with long timeouts, and refuses /metrics and
// /admin/ (the commands' backup and restore routes, used on loopback).
// docs/OPERATIONS.md explains how to install and run them.
//
// The tests check the unit files with systemd-analyze (verify, and the
// security score of the services), the Caddyfile with caddy validate,
// nginx.conf with nginx -t and by running nginx in front of a stand-in
// node, and the example configuration against the toml tags of Config
// and with `boltsky config check`. A test whose tool is not installed
// (Debian packages systemd, caddy, nginx) skips, unless
// BOLTSKY_DEPLOY_REQUIRED=1: then it fails.
package deploy
