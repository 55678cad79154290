package actor

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// EventKind names a firehose message type.
type EventKind string

// Event kinds an account emits, named as the #type of their frame.
const (
	KindCommit   EventKind = "#commit"
	KindSync     EventKind = "#sync"
	KindIdentity EventKind = "#identity"
	KindAccount  EventKind = "#account"
)

// Event is an account event waiting for its seq. Body is the canonical
// DAG-CBOR map of the message without its "seq" and "time" fields, which
// the sequencer adds when it encodes the frame.
type Event struct {
	Kind EventKind
	DID  atp.DID
	Body []byte
	// OutboxSeq is the event's number in the account file's outbox.
	OutboxSeq uint64
	// Commit and Rev are the repository head after a #commit or #sync.
	Commit cid.Cid
	Rev    atp.TID
	// SetStatus marks an #account event, which makes Status the
	// account's hosting status.
	SetStatus bool
	Status    kv.Status
}

// Outbox encoding of an Event: a canonical map with short keys.
//
//	{"b": body, "c": commit|null, "k": kind, "r": rev, "s": status, "x": setStatus}
func (e *Event) marshal() []byte {
	b := make([]byte, 0, len(e.Body)+96)
	b = dagcbor.AppendMapHeader(b, 6)
	b = dagcbor.AppendText(b, "b")
	b = dagcbor.AppendBytes(b, e.Body)
	b = dagcbor.AppendText(b, "c")
	b = dagcbor.AppendNullableLink(b, e.Commit)
	b = dagcbor.AppendText(b, "k")
	b = dagcbor.AppendText(b, string(e.Kind))
	b = dagcbor.AppendText(b, "r")
	b = dagcbor.AppendText(b, e.Rev.String())
	b = dagcbor.AppendText(b, "s")
	b = dagcbor.AppendText(b, string(e.Status))
	b = dagcbor.AppendText(b, "x")
	return dagcbor.AppendBool(b, e.SetStatus)
}

// UnmarshalEvent decodes an outbox entry of did with local number seq.
func UnmarshalEvent(did atp.DID, seq uint64, data []byte) (*Event, error) {
	e := &Event{DID: did, OutboxSeq: seq}
	r := dagcbor.NewReader(data)
	fail := func(err error) (*Event, error) {
		return nil, fmt.Errorf("actor: cannot decode outbox entry %d of %s: %w", seq, did, err)
	}
	n, err := r.MapHeader()
	if err != nil {
		return fail(err)
	}
	if n != 6 {
		return fail(fmt.Errorf("%d fields", n))
	}
	for _, want := range []string{"b", "c", "k", "r", "s", "x"} {
		key, err := r.MapKey()
		if err != nil {
			return fail(err)
		}
		if string(key) != want {
			return fail(fmt.Errorf("field %q where %q belongs", key, want))
		}
		switch want {
		case "b":
			var body []byte
			body, err = r.Bytes()
			e.Body = append([]byte(nil), body...)
		case "c":
			e.Commit, err = r.NullableLink()
		case "k":
			var s string
			s, err = r.Text()
			e.Kind = EventKind(s)
		case "r":
			var s string
			if s, err = r.Text(); err == nil && s != "" {
				e.Rev, err = atp.ParseTID(s)
			}
		case "s":
			var s string
			s, err = r.Text()
			e.Status = kv.Status(s)
		case "x":
			e.SetStatus, err = r.Bool()
		}
		if err != nil {
			return fail(fmt.Errorf("field %s: %w", want, err))
		}
	}
	if err := r.End(); err != nil {
		return fail(err)
	}
	return e, nil
}

// commitEvent builds the #commit event of a commit. since is the previous
// commit's rev (zero for the first commit of a repository); a zero
// prevData is left out, as for a first commit.
func commitEvent(did atp.DID, res *repo.Result, since atp.TID, prevData cid.Cid) *Event {
	b := make([]byte, 0, len(res.Slice)+256+len(res.Ops)*96)
	n := 9
	if prevData.Defined() {
		n++
	}
	// Keys in canonical order, without seq and time: ops, rev, repo,
	// blobs, since, blocks, commit, rebase, tooBig, prevData.
	b = dagcbor.AppendMapHeader(b, n)
	b = dagcbor.AppendText(b, "ops")
	b = dagcbor.AppendArrayHeader(b, len(res.Ops))
	for _, op := range res.Ops {
		b = appendOp(b, op)
	}
	b = dagcbor.AppendText(b, "rev")
	b = dagcbor.AppendText(b, res.Commit.Rev.String())
	b = dagcbor.AppendText(b, "repo")
	b = dagcbor.AppendText(b, did.String())
	b = dagcbor.AppendText(b, "blobs")
	b = dagcbor.AppendArrayHeader(b, 0)
	b = dagcbor.AppendText(b, "since")
	if since.IsZero() {
		b = dagcbor.AppendNull(b)
	} else {
		b = dagcbor.AppendText(b, since.String())
	}
	b = dagcbor.AppendText(b, "blocks")
	b = dagcbor.AppendBytes(b, res.Slice)
	b = dagcbor.AppendText(b, "commit")
	b = dagcbor.AppendLink(b, res.CID)
	b = dagcbor.AppendText(b, "rebase")
	b = dagcbor.AppendBool(b, false)
	b = dagcbor.AppendText(b, "tooBig")
	b = dagcbor.AppendBool(b, false)
	if prevData.Defined() {
		b = dagcbor.AppendText(b, "prevData")
		b = dagcbor.AppendLink(b, prevData)
	}
	return &Event{Kind: KindCommit, DID: did, Body: b, Commit: res.CID, Rev: res.Commit.Rev}
}

// appendOp encodes one #commit op: {cid, path, prev?, action}, with cid
// null for deletes and prev absent for creates.
func appendOp(b []byte, op repo.Op) []byte {
	n := 3
	if op.Prev.Defined() {
		n = 4
	}
	b = dagcbor.AppendMapHeader(b, n)
	b = dagcbor.AppendText(b, "cid")
	b = dagcbor.AppendNullableLink(b, op.CID)
	b = dagcbor.AppendText(b, "path")
	b = dagcbor.AppendText(b, op.Path)
	if op.Prev.Defined() {
		b = dagcbor.AppendText(b, "prev")
		b = dagcbor.AppendLink(b, op.Prev)
	}
	b = dagcbor.AppendText(b, "action")
	return dagcbor.AppendText(b, string(op.Action))
}

// syncEvent builds the #sync event announcing that the repository is now
// at the commit commitCID (block commitBlock), whatever came before.
func syncEvent(did atp.DID, commitCID cid.Cid, commitBlock []byte, rev atp.TID) *Event {
	slice := car.AppendHeader(nil, commitCID)
	slice = car.AppendBlock(slice, commitCID, commitBlock)
	// Keys in canonical order, without seq and time: did, rev, blocks.
	b := dagcbor.AppendMapHeader(make([]byte, 0, len(slice)+96), 3)
	b = dagcbor.AppendText(b, "did")
	b = dagcbor.AppendText(b, did.String())
	b = dagcbor.AppendText(b, "rev")
	b = dagcbor.AppendText(b, rev.String())
	b = dagcbor.AppendText(b, "blocks")
	b = dagcbor.AppendBytes(b, slice)
	return &Event{Kind: KindSync, DID: did, Body: b, Commit: commitCID, Rev: rev}
}

// identityEvent builds the #identity event: the identity of did may have
// changed. A zero handle is left out.
func identityEvent(did atp.DID, handle atp.Handle) *Event {
	n := 1
	if !handle.IsZero() {
		n = 2
	}
	// Keys in canonical order, without seq and time: did, handle.
	b := dagcbor.AppendMapHeader(nil, n)
	b = dagcbor.AppendText(b, "did")
	b = dagcbor.AppendText(b, did.String())
	if !handle.IsZero() {
		b = dagcbor.AppendText(b, "handle")
		b = dagcbor.AppendText(b, handle.String())
	}
	return &Event{Kind: KindIdentity, DID: did, Body: b}
}

// accountEvent builds the #account event for a hosting status change.
func accountEvent(did atp.DID, status kv.Status) *Event {
	active := status.Active()
	n := 2
	if !active {
		n = 3
	}
	// Keys in canonical order, without seq and time: did, active, status.
	b := dagcbor.AppendMapHeader(nil, n)
	b = dagcbor.AppendText(b, "did")
	b = dagcbor.AppendText(b, did.String())
	b = dagcbor.AppendText(b, "active")
	b = dagcbor.AppendBool(b, active)
	if !active {
		b = dagcbor.AppendText(b, "status")
		b = dagcbor.AppendText(b, string(status))
	}
	return &Event{Kind: KindAccount, DID: did, Body: b, SetStatus: true, Status: status}
}
