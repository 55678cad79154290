package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/boltsky/boltsky/atp/dagcbor"
)

// FirehoseConfig measures the firehose while writing: Subscribers
// websocket clients tail com.atproto.sync.subscribeRepos while Writers
// clients call createRecord, each on its own account, at full speed or
// at a fixed total Rate. Each commit's lag, per subscriber, is the time
// its #commit frame arrived minus the time its createRecord call
// returned; commits are matched by commit CID.
type FirehoseConfig struct {
	// Subscribers is how many firehose subscribers read; zero means 16.
	Subscribers int
	// Writers is how many clients write; zero means 64.
	Writers int
	// Duration is how long the writers write; zero means 5s.
	Duration time.Duration
	// Count, when positive, is how many records to write instead.
	Count int
	// Rate, when positive, is the total commits per second the writers
	// aim for; zero means as fast as the server answers.
	Rate float64
	// Drain bounds the wait, after the last write, for every subscriber
	// to receive every commit; zero means 10s.
	Drain time.Duration
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c FirehoseConfig) EnsureDefaults() FirehoseConfig {
	if c.Subscribers == 0 {
		c.Subscribers = 16
	}
	if c.Writers == 0 {
		c.Writers = 64
	}
	if c.Duration == 0 {
		c.Duration = 5 * time.Second
	}
	if c.Drain == 0 {
		c.Drain = 10 * time.Second
	}
	return c
}

// Validate reports settings that cannot run.
func (c FirehoseConfig) Validate() error {
	err := validLoop(c.Name(), []int{max(c.Writers, 1)}, c.Duration, c.Count)
	if c.Subscribers < 0 || c.Writers < 0 || c.Rate < 0 || c.Drain < 0 {
		err = errors.Join(err, errors.New("bench: firehose: subscribers, writers, rate and drain must not be negative"))
	}
	return err
}

// Name is "firehose".
func (c FirehoseConfig) Name() string { return "firehose" }

// Prepare creates the writers' accounts and writes one record to each.
func (c FirehoseConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.EnsureDefaults()
	accts, err := p.createAccounts(ctx, c.Writers, min(c.Writers, 8))
	if err != nil {
		return nil, err
	}
	if err := warmAccounts(ctx, p, accts); err != nil {
		return nil, err
	}
	return &firehoseRunner{cfg: c, p: p, accts: accts}, nil
}

// Firehose timing.
const (
	// probeWait is how long a probe commit may take to reach every
	// subscriber before another is written.
	probeWait = 500 * time.Millisecond
	// probeAttempts bounds the probes written while waiting for the
	// subscriptions to go live.
	probeAttempts = 20
)

type firehoseRunner struct {
	cfg   FirehoseConfig
	p     *PDS
	accts []account
}

// sentCommit is a commit a writer made and when its call returned.
type sentCommit struct {
	key string
	at  time.Time
}

func (r *firehoseRunner) Round(ctx context.Context) (_ []Result, err error) {
	c := r.cfg
	subs := make([]*subscriber, 0, c.Subscribers)
	defer func() {
		for _, s := range subs {
			s.close()
		}
	}()
	for range c.Subscribers {
		s, err := r.p.subscribe(ctx)
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	// Subscribers go live at some point after their handshake: write
	// probes until one reaches them all.
	live := false
	for range probeAttempts {
		ok, err := r.commitReaches(ctx, subs, probeWait, true)
		if err != nil {
			return nil, err
		}
		if ok {
			live = true
			break
		}
	}
	if !live {
		return nil, fmt.Errorf("bench: firehose subscribers did not receive a commit in %s", probeAttempts*probeWait)
	}

	sent := make([][]sentCommit, c.Writers)
	bufs := make([][]byte, c.Writers)
	l := loop{clients: c.Writers, count: int64(c.Count), duration: c.Duration}
	if c.Rate > 0 {
		l.interval = time.Duration(float64(c.Writers) / c.Rate * float64(time.Second))
	}
	probe := r.p.startStats()
	res := l.run(ctx, func(ctx context.Context, w int, seq int64) (int64, error) {
		a := r.accts[w]
		body := createRecordBody(bufs[w][:0], a.DID, seq, time.Now())
		bufs[w] = body
		var wr writeResult
		err := r.p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.repo.createRecord", auth: a.auth, body: body}, &wr)
		at := time.Now()
		if err != nil {
			return 0, err
		}
		key, err := wr.commitKey()
		if err != nil {
			return 0, err
		}
		sent[w] = append(sent[w], sentCommit{key: key, at: at})
		return 1, nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A commit made after every acknowledged one is sequenced after them
	// all; once a subscriber has it, it has had its chance at the rest.
	if _, err := r.commitReaches(ctx, subs, c.Drain, false); err != nil {
		return nil, err
	}
	if res.Server, err = probe.finish(res.Ops); err != nil {
		return nil, err
	}
	for _, s := range subs {
		s.close()
	}

	sentAt := make(map[string]time.Time, res.Ops)
	for _, list := range sent {
		for _, sc := range list {
			sentAt[sc.key] = sc.at
		}
	}
	fs := &FirehoseStats{Subscribers: len(subs), Sent: int64(len(sentAt)) * int64(len(subs))}
	for _, s := range subs {
		if s.endErr != nil {
			fs.Dropped++
			if fs.DropReason == "" {
				fs.DropReason = s.endErr.Error()
			}
		}
		for _, a := range s.got {
			t, ok := sentAt[a.key]
			if !ok {
				continue
			}
			fs.Delivered++
			lag := a.at.Sub(t)
			if lag < 0 {
				fs.Early++
				lag = 0
			}
			fs.lagSamples = append(fs.lagSamples, lag)
		}
	}
	res.Firehose = fs
	res.Workload, res.Unit = c.Name(), "commits"
	res.Case = fmt.Sprintf("writers=%d subscribers=%d", c.Writers, c.Subscribers)
	if c.Rate > 0 {
		res.Case += fmt.Sprintf(" rate=%g/s", c.Rate)
	}
	res.finish()
	return []Result{res}, nil
}

// commitReaches writes one record and reports whether every subscriber
// received its commit within wait. A subscriber whose stream ended is an
// error when strict, and otherwise no longer waited for.
func (r *firehoseRunner) commitReaches(ctx context.Context, subs []*subscriber, wait time.Duration, strict bool) (bool, error) {
	wr, err := r.p.createPost(ctx, r.accts[0], -1)
	if err != nil {
		return false, fmt.Errorf("bench: firehose probe write: %w", err)
	}
	key, err := wr.commitKey()
	if err != nil {
		return false, err
	}
	deadline := time.Now().Add(wait)
	pending := slices.Clone(subs)
	for {
		pending = slices.DeleteFunc(pending, func(s *subscriber) bool { return s.has(key) })
		if len(pending) == 0 {
			return true, nil
		}
		for _, s := range pending {
			if err := s.ended(); err != nil && strict {
				return false, fmt.Errorf("bench: a firehose subscriber stopped: %w", err)
			}
		}
		pending = slices.DeleteFunc(pending, func(s *subscriber) bool { return s.ended() != nil })
		if len(pending) == 0 {
			return false, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// arrival is a #commit frame a subscriber received.
type arrival struct {
	key string // binary commit CID
	at  time.Time
}

// subscriber is one firehose connection and the goroutine reading it.
type subscriber struct {
	conn *websocket.Conn
	done chan struct{} // closed when the reader has returned

	mu sync.Mutex
	// got, stopped and endErr are guarded by mu until done is closed.
	got     []arrival
	stopped bool  // close was called
	endErr  error // why the stream ended before close, if it did
	// scanned is how far has looked for keys; used by the waiter only.
	scanned int
}

// subscribe opens a live firehose subscription (no cursor).
func (p *PDS) subscribe(ctx context.Context) (*subscriber, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10, WriteBufferSize: 4 << 10}
	conn, resp, err := d.DialContext(ctx, p.wsURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("bench: cannot subscribe to %s: %w", p.wsURL, err)
	}
	s := &subscriber{conn: conn, done: make(chan struct{})}
	go s.read()
	return s, nil
}

// read records every #commit frame until the connection ends.
func (s *subscriber) read() {
	defer close(s.done)
	var buf []byte
	for {
		_, rd, err := s.conn.NextReader()
		if err == nil {
			buf, err = readInto(buf[:0], rd)
		}
		at := time.Now()
		var key string
		if err == nil {
			key, err = parseFrame(buf)
		}
		s.mu.Lock()
		if err != nil {
			if !s.stopped {
				s.endErr = err
			}
			s.mu.Unlock()
			return
		}
		if key != "" {
			s.got = append(s.got, arrival{key: key, at: at})
		}
		s.mu.Unlock()
	}
}

// readInto appends everything rd holds to dst.
func readInto(dst []byte, rd io.Reader) ([]byte, error) {
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := rd.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// errFirehose is the error of an error frame or a malformed one.
var errFirehose = errors.New("bench: firehose")

// parseFrame decodes a frame's header and returns the binary commit CID
// of a #commit, or "" for other messages; an error frame is an error.
func parseFrame(b []byte) (string, error) {
	r := dagcbor.NewReader(b)
	n, err := r.MapHeader()
	if err != nil {
		return "", fmt.Errorf("%w: frame header: %v", errFirehose, err)
	}
	var op int64
	var t string
	for range n {
		k, err := r.MapKey()
		if err != nil {
			return "", fmt.Errorf("%w: frame header: %v", errFirehose, err)
		}
		switch string(k) {
		case "op":
			op, err = r.Int()
		case "t":
			t, err = r.Text()
		default:
			err = r.Skip()
		}
		if err != nil {
			return "", fmt.Errorf("%w: frame header: %v", errFirehose, err)
		}
	}
	if op != 1 {
		v, _ := dagcbor.Unmarshal(b[r.Offset():])
		return "", fmt.Errorf("%w: error frame %v", errFirehose, v)
	}
	if t != "#commit" {
		return "", nil
	}
	if n, err = r.MapHeader(); err != nil {
		return "", fmt.Errorf("%w: #commit body: %v", errFirehose, err)
	}
	for range n {
		k, err := r.MapKey()
		if err != nil {
			return "", fmt.Errorf("%w: #commit body: %v", errFirehose, err)
		}
		if string(k) == "commit" {
			c, err := r.Link()
			if err != nil {
				return "", fmt.Errorf("%w: #commit body: %v", errFirehose, err)
			}
			return c.KeyString(), nil
		}
		if err := r.Skip(); err != nil {
			return "", fmt.Errorf("%w: #commit body: %v", errFirehose, err)
		}
	}
	return "", fmt.Errorf("%w: #commit without a commit", errFirehose)
}

// has reports whether the subscriber has received the commit key since
// the last key it was asked about.
func (s *subscriber) has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ; s.scanned < len(s.got); s.scanned++ {
		if s.got[s.scanned].key == key {
			s.scanned++
			return true
		}
	}
	return false
}

// ended returns why the stream ended early, or nil while it runs.
func (s *subscriber) ended() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErr
}

// close ends the subscription and waits for its reader.
func (s *subscriber) close() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.conn.Close()
	<-s.done
}
