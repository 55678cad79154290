package account

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Message is a plain-text email to one recipient; the mailer supplies the
// sender.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer delivers messages. Send returns an error wrapping ErrMail when
// the message was not handed over; it never drops one silently.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

var (
	_ Mailer = (*OutboxMailer)(nil)
	_ Mailer = (*SMTPMailer)(nil)
)

// OutboxEntry is one line of an outbox file.
type OutboxEntry struct {
	Time    time.Time `json:"time"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
}

// OutboxMailer is the development mailer: it appends each message as one
// JSON line (an OutboxEntry) to a local file, which people and tests read
// instead of a mailbox. It is safe for concurrent use.
type OutboxMailer struct {
	path string
	from string
	now  func() time.Time

	mu sync.Mutex // serialises appends to the file
}

// NewOutboxMailer returns a mailer that appends to the file at path,
// creating it (mode 0600) on first use. now nil means time.Now.
func NewOutboxMailer(path, from string, now func() time.Time) *OutboxMailer {
	if now == nil {
		now = time.Now
	}
	return &OutboxMailer{path: path, from: from, now: now}
}

// Send appends m to the outbox file and syncs it.
func (o *OutboxMailer) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrMail, err)
	}
	if m.To == "" {
		return fmt.Errorf("%w: no recipient", ErrMail)
	}
	line, err := json.Marshal(OutboxEntry{Time: o.now().UTC(), From: o.from, To: m.To, Subject: m.Subject, Text: m.Text})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMail, err)
	}
	line = append(line, '\n')
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMail, err)
	}
	_, werr := f.Write(line)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("%w: cannot append to %s: %w", ErrMail, o.path, err)
	}
	return nil
}

// ReadOutbox returns the messages in an outbox file, oldest first. A
// missing file holds no messages.
func ReadOutbox(path string) ([]OutboxEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []OutboxEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var e OutboxEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("account: outbox %s line %d: %w", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("account: cannot read outbox %s: %w", path, err)
	}
	return out, nil
}
