// Package bench measures a Personal Data Server from the outside: every
// workload talks to it over the wire only (XRPC over HTTP, and the
// com.atproto.sync.subscribeRepos websocket), so the same workloads run
// against any PDS, boltsky or the reference implementation alike.
//
// Terms. A Target names a PDS under test: its base URL, optionally an
// admin password or invite code for sign-up, and optionally the server's
// process id and data directory, from which RSS (/proc/PID/status) and
// disk usage (file sizes and allocated blocks under the directory) are
// read. Connect turns a Target into a *PDS, the live connection the
// workloads use. A Workload is a configuration struct (AccountsConfig,
// CommitsConfig, BulkConfig, ReadsConfig, GetRepoConfig, FirehoseConfig)
// whose zero value is a sensible default; Prepare sets it up on one PDS
// (accounts, records) outside any measurement and returns a Runner that
// measures one round at a time. A Result is one measured row: operations,
// wall time, operations per second, a latency Summary from the sorted
// samples of every call, errors counted by kind, and, where they apply,
// firehose delivery and lag, and server memory and disk.
//
// Comparisons. Run prepares a workload on every PDS given, then runs its
// rounds in alternation (A, B, A, B, ...), so that both servers see the
// same machine conditions, and merges each one's rounds. A Report holds
// the rows of one or more workloads; WriteTable prints them, with ratios
// when there are two targets (throughput A/B, latency and memory B/A, so
// that above 1 always means A is better), and WriteJSON writes them whole.
//
// Firehose lag is measured without trusting the server's clock: it is
// the time a subscriber received the #commit frame minus the time the
// createRecord call that made it returned, matched by commit CID. A frame
// that arrives before the response counts as early and as zero lag.
//
// The package holds no global state: flags and output choices belong to
// cmd/boltsky, randomness comes from configuration seeds (except the
// handle prefix a Target picks when none is given), and every goroutine a
// workload starts has ended when its call returns.
package bench
