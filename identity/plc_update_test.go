package identity_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
)

func TestGenesisOpErrors(t *testing.T) {
	sk := MustKey(t, crypto.K256, 1).Public()
	rot := MustKey(t, crypto.K256, 2).Public().DIDKey()
	h := MustHandle(t, "alice.test")
	tests := []struct {
		name     string
		key      *crypto.PublicKey
		rot      []string
		handle   atp.Handle
		endpoint string
	}{
		{"no signing key", nil, []string{rot}, h, "https://p.example"},
		{"no rotation key", sk, nil, h, "https://p.example"},
		{"duplicate rotation key", sk, []string{rot, rot}, h, "https://p.example"},
		{"bad rotation key", sk, []string{"did:key:zNope"}, h, "https://p.example"},
		{"no handle", sk, []string{rot}, atp.Handle{}, "https://p.example"},
		{"no endpoint", sk, []string{rot}, h, ""},
	}
	for _, tt := range tests {
		if _, err := identity.GenesisOp(tt.key, tt.rot, tt.handle, tt.endpoint); !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("%s: GenesisOp error = %v", tt.name, err)
		}
	}
	rotKeys := []string{rot}
	op, err := identity.GenesisOp(sk, rotKeys, h, "https://p.example")
	if err != nil {
		t.Fatal(err)
	}
	rotKeys[0] = "changed"
	if op.RotationKeys[0] != rot {
		t.Errorf("GenesisOp shares its rotationKeys slice")
	}
	if op.Prev != "" || op.VerificationMethods["atproto"] != sk.DIDKey() || op.AlsoKnownAs[0] != "at://alice.test" ||
		op.Services["atproto_pds"].Endpoint != "https://p.example" || op.Services["atproto_pds"].Type != identity.TypePDS {
		t.Errorf("GenesisOp = %+v", op)
	}
}

func TestUpdateOp(t *testing.T) {
	rot := MustKey(t, crypto.K256, 1)
	newRot := MustKey(t, crypto.P256, 2)
	genesis, _ := MustGenesis(t, MustKey(t, crypto.K256, 3), "alice.test", "https://old.example", rot)
	newKey := MustKey(t, crypto.K256, 4).Public()
	tests := []struct {
		name  string
		last  identity.Operation
		ch    identity.OpChanges
		check func(t *testing.T, op identity.Operation)
	}{
		{"handle replaces the at:// entry in place",
			withAKA(genesis, rot, "https://x.example", "at://alice.test", "at://other.test"),
			identity.OpChanges{Handle: MustHandle(t, "bob.test")},
			func(t *testing.T, op identity.Operation) {
				if want := []string{"https://x.example", "at://bob.test", "at://other.test"}; !slices.Equal(op.AlsoKnownAs, want) {
					t.Errorf("alsoKnownAs = %v, want %v", op.AlsoKnownAs, want)
				}
			}},
		{"handle goes first when there is none",
			withAKA(genesis, rot, "https://x.example"),
			identity.OpChanges{Handle: MustHandle(t, "bob.test")},
			func(t *testing.T, op identity.Operation) {
				if want := []string{"at://bob.test", "https://x.example"}; !slices.Equal(op.AlsoKnownAs, want) {
					t.Errorf("alsoKnownAs = %v, want %v", op.AlsoKnownAs, want)
				}
			}},
		{"signing key, endpoint and rotation keys", genesis,
			identity.OpChanges{SigningKey: newKey, PDSEndpoint: "https://new.example", RotationKeys: []string{newRot.Public().DIDKey(), rot.Public().DIDKey()}},
			func(t *testing.T, op identity.Operation) {
				if op.VerificationMethods["atproto"] != newKey.DIDKey() || op.Services["atproto_pds"].Endpoint != "https://new.example" ||
					op.RotationKeys[0] != newRot.Public().DIDKey() || len(op.RotationKeys) != 2 {
					t.Errorf("op = %+v", op)
				}
			}},
		{"whole replacements first, then targeted changes", genesis,
			identity.OpChanges{
				VerificationMethods: map[string]string{"atproto_label": newKey.DIDKey()},
				Services:            map[string]identity.OpService{},
				AlsoKnownAs:         []string{},
				SigningKey:          newKey,
			},
			func(t *testing.T, op identity.Operation) {
				if len(op.VerificationMethods) != 2 || len(op.Services) != 0 || len(op.AlsoKnownAs) != 0 {
					t.Errorf("op = %+v", op)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := string(MustJSON(t, tt.last))
			op, err := identity.UpdateOp(tt.last, tt.ch)
			if err != nil {
				t.Fatal(err)
			}
			if op.Prev != MustCID(t, tt.last) || op.Sig != "" || op.Type != identity.OpTypeOperation {
				t.Errorf("prev %q sig %q type %q", op.Prev, op.Sig, op.Type)
			}
			tt.check(t, op)
			// The result shares nothing with last.
			op.AlsoKnownAs = append(op.AlsoKnownAs[:0], "at://mutated.test")
			op.VerificationMethods["atproto"] = "mutated"
			op.Services["atproto_pds"] = identity.OpService{}
			if after := string(MustJSON(t, tt.last)); after != before {
				t.Errorf("UpdateOp result aliases its input")
			}
			signed := MustSign(t, op, rot)
			if _, err := signed.VerifySignature(tt.last.RotationKeys); err != nil {
				t.Errorf("signed update does not verify: %v", err)
			}
		})
	}
	if _, err := identity.UpdateOp(identity.Operation{Type: identity.OpTypeOperation}, identity.OpChanges{}); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("update of an unsigned op: %v", err)
	}
	tomb := MustSign(t, must(identity.TombstoneOp(genesis)), rot)
	if _, err := identity.UpdateOp(tomb, identity.OpChanges{}); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("update of a tombstone: %v", err)
	}
	if _, err := identity.TombstoneOp(tomb); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("tombstone of a tombstone: %v", err)
	}
	if _, err := identity.UpdateOp(genesis, identity.OpChanges{RotationKeys: []string{}}); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("update to no rotation keys: %v", err)
	}
}

func must(op identity.Operation, err error) identity.Operation {
	if err != nil {
		panic(err)
	}
	return op
}

// withAKA returns a signed genesis like g with alsoKnownAs aka.
func withAKA(g identity.Operation, key *crypto.PrivateKey, aka ...string) identity.Operation {
	g.AlsoKnownAs = aka
	g.Sig = ""
	op, err := identity.Sign(g, key)
	if err != nil {
		panic(err)
	}
	return op
}

// logBuilder writes audit logs by hand.
type logBuilder struct {
	t       *testing.T
	did     atp.DID
	entries []identity.AuditEntry
	start   time.Time
}

func (b *logBuilder) add(op identity.Operation, at time.Duration) identity.Operation {
	b.t.Helper()
	dt, err := atp.NewDatetime(b.start.Add(at))
	if err != nil {
		b.t.Fatal(err)
	}
	b.entries = append(b.entries, identity.AuditEntry{DID: b.did, Operation: op, CID: MustCID(b.t, op), CreatedAt: dt})
	return op
}

func (b *logBuilder) nullify(i ...int) {
	for _, j := range i {
		b.entries[j].Nullified = true
	}
}

func update(t *testing.T, last identity.Operation, key *crypto.PrivateKey, ch identity.OpChanges) identity.Operation {
	t.Helper()
	op, err := identity.UpdateOp(last, ch)
	if err != nil {
		t.Fatal(err)
	}
	return MustSign(t, op, key)
}

// TestAuditLogSynthetic builds logs with this package's own builders and
// checks the recovery rules.
func TestAuditLogSynthetic(t *testing.T) {
	rec := MustKey(t, crypto.K256, 10) // highest priority
	pds := MustKey(t, crypto.P256, 11)
	other := MustKey(t, crypto.K256, 12)
	signing := MustKey(t, crypto.K256, 13)

	newLog := func(t *testing.T) (*logBuilder, identity.Operation) {
		g, did := MustGenesis(t, signing, "alice.test", "https://pds.example", rec, pds)
		b := &logBuilder{t: t, did: did, start: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		b.add(g, 0)
		return b, g
	}
	check := func(t *testing.T, b *logBuilder, wantErr bool) {
		t.Helper()
		err := identity.VerifyAuditLog(b.entries)
		if wantErr != (err != nil) {
			t.Fatalf("VerifyAuditLog = %v, want error %t", err, wantErr)
		}
		if err != nil && !errors.Is(err, identity.ErrInvalidAuditLog) {
			t.Fatalf("error %v does not wrap ErrInvalidAuditLog", err)
		}
	}

	t.Run("updates and tombstone", func(t *testing.T) {
		b, g := newLog(t)
		u1 := b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "bob.test")}), time.Hour)
		u2 := b.add(update(t, u1, rec, identity.OpChanges{PDSEndpoint: "https://new.example"}), 2*time.Hour)
		b.add(MustSign(t, must(identity.TombstoneOp(u2)), pds), 3*time.Hour)
		check(t, b, false)
		last, ok := identity.LastActive(b.entries)
		if !ok || !last.Operation.IsTombstone() {
			t.Errorf("LastActive = %+v", last)
		}
	})
	t.Run("same timestamp is accepted", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "bob.test")}), 0)
		check(t, b, false)
	})
	t.Run("recovery by a higher-priority key nullifies a chain", func(t *testing.T) {
		b, g := newLog(t)
		u1 := b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "evil.test")}), time.Hour)
		b.add(update(t, u1, pds, identity.OpChanges{PDSEndpoint: "https://evil.example"}), 2*time.Hour)
		b.add(update(t, g, rec, identity.OpChanges{Handle: MustHandle(t, "good.test")}), 70*time.Hour)
		b.nullify(1, 2)
		check(t, b, false)
		if last, _ := identity.LastActive(b.entries); last.CID != b.entries[3].CID {
			t.Errorf("LastActive = %s", last.CID)
		}
	})
	t.Run("nullified flags must match", func(t *testing.T) {
		b, g := newLog(t)
		u1 := b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "evil.test")}), time.Hour)
		b.add(update(t, u1, pds, identity.OpChanges{PDSEndpoint: "https://evil.example"}), 2*time.Hour)
		b.add(update(t, g, rec, identity.OpChanges{Handle: MustHandle(t, "good.test")}), 3*time.Hour)
		b.nullify(1) // entry 2 is nullified too, but not marked
		check(t, b, true)
	})
	t.Run("recovery after the window", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "evil.test")}), time.Hour)
		b.add(update(t, g, rec, identity.OpChanges{Handle: MustHandle(t, "good.test")}), time.Hour+identity.RecoveryWindow+time.Millisecond)
		b.nullify(1)
		check(t, b, true)
	})
	t.Run("recovery by the same key", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "b.test")}), 2*time.Hour)
		b.nullify(1)
		check(t, b, true)
	})
	t.Run("recovery before the head", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.add(update(t, g, rec, identity.OpChanges{Handle: MustHandle(t, "b.test")}), time.Hour)
		b.nullify(1)
		check(t, b, true)
	})
	t.Run("key outside the rotation keys", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, other, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		check(t, b, true)
	})
	t.Run("timestamp going backwards", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), -time.Second)
		check(t, b, true)
	})
	t.Run("wrong CID", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.entries[1].CID = b.entries[0].CID
		check(t, b, true)
	})
	t.Run("wrong DID", func(t *testing.T) {
		b, _ := newLog(t)
		b.entries[0].DID = MustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
		check(t, b, true)
	})
	t.Run("entries from two DIDs", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.entries[1].DID = MustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
		check(t, b, true)
	})
	t.Run("second genesis", func(t *testing.T) {
		b, g := newLog(t)
		g2 := g
		g2.AlsoKnownAs = []string{"at://x.test"}
		b.add(MustSign(t, g2, pds), time.Hour)
		check(t, b, true)
	})
	t.Run("update first", func(t *testing.T) {
		b, g := newLog(t)
		b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.entries = b.entries[1:]
		check(t, b, true)
	})
	t.Run("prev not in the log", func(t *testing.T) {
		b, g := newLog(t)
		u := update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")})
		b.add(update(t, u, pds, identity.OpChanges{Handle: MustHandle(t, "b.test")}), time.Hour)
		check(t, b, true)
	})
	t.Run("repeated entry", func(t *testing.T) {
		b, g := newLog(t)
		u := b.add(update(t, g, pds, identity.OpChanges{Handle: MustHandle(t, "a.test")}), time.Hour)
		b.add(u, 2*time.Hour)
		check(t, b, true)
	})
	t.Run("genesis marked nullified", func(t *testing.T) {
		b, _ := newLog(t)
		b.nullify(0)
		check(t, b, true)
	})
	t.Run("missing createdAt", func(t *testing.T) {
		b, _ := newLog(t)
		b.entries[0].CreatedAt = atp.Datetime{}
		check(t, b, true)
	})
	if err := identity.VerifyAuditLog(nil); !errors.Is(err, identity.ErrInvalidAuditLog) {
		t.Errorf("empty log: %v", err)
	}
}

func TestRecommendedCredentials(t *testing.T) {
	sk := MustKey(t, crypto.K256, 1).Public()
	rot := MustKey(t, crypto.K256, 2).Public().DIDKey()
	recov := MustKey(t, crypto.P256, 3).Public().DIDKey()
	c := identity.RecommendedCredentials(sk, MustHandle(t, "Alice.Test"), []string{recov, rot}, "https://pds.example.com")
	want := `{"rotationKeys":["` + recov + `","` + rot + `"],"alsoKnownAs":["at://alice.test"],"verificationMethods":{"atproto":"` + sk.DIDKey() +
		`"},"services":{"atproto_pds":{"type":"AtprotoPersonalDataServer","endpoint":"https://pds.example.com"}}}`
	if got := string(MustJSON(t, c)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	c = identity.RecommendedCredentials(sk, atp.Handle{}, []string{rot}, "https://pds.example.com")
	if c.AlsoKnownAs != nil {
		t.Errorf("alsoKnownAs without a handle: %v", c.AlsoKnownAs)
	}
}

func TestServiceControl(t *testing.T) {
	ourRot := MustKey(t, crypto.K256, 1)
	userRot := MustKey(t, crypto.P256, 2)
	sk := MustKey(t, crypto.K256, 3).Public()
	other := MustKey(t, crypto.K256, 4).Public()
	sc := identity.ServiceControl{
		RotationKey: ourRot.Public().DIDKey(),
		PDSEndpoint: "https://pds.example.com",
		SigningKey:  sk,
		Handle:      MustHandle(t, "alice.test"),
	}
	good := func() identity.Operation {
		op := identity.Operation{
			Type:                identity.OpTypeOperation,
			RotationKeys:        []string{userRot.Public().DIDKey(), ourRot.Public().DIDKey()},
			VerificationMethods: map[string]string{"atproto": sk.DIDKey()},
			AlsoKnownAs:         []string{"at://alice.test"},
			Services:            map[string]identity.OpService{"atproto_pds": {Type: identity.TypePDS, Endpoint: "https://pds.example.com"}},
			Prev:                "bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq",
		}
		return MustSign(t, op, userRot)
	}
	if err := sc.CheckOperation(good()); err != nil {
		t.Fatalf("good op: %v", err)
	}
	tests := []struct {
		msg string
		mut func(*identity.Operation)
	}{
		{"Invalid operation", func(op *identity.Operation) { op.Sig = "" }},
		{"Invalid operation", func(op *identity.Operation) {
			*op = identity.Operation{Type: identity.OpTypeTombstone, Prev: op.Prev, Sig: op.Sig}
		}},
		{"Rotation keys do not include server's rotation key", func(op *identity.Operation) { op.RotationKeys = op.RotationKeys[:1] }},
		{"Incorrect type on atproto_pds service", func(op *identity.Operation) { delete(op.Services, "atproto_pds") }},
		{"Incorrect type on atproto_pds service", func(op *identity.Operation) {
			op.Services["atproto_pds"] = identity.OpService{Type: "Other", Endpoint: "https://pds.example.com"}
		}},
		{"Incorrect endpoint on atproto_pds service", func(op *identity.Operation) {
			op.Services["atproto_pds"] = identity.OpService{Type: identity.TypePDS, Endpoint: "https://pds.example.com/"}
		}},
		{"Incorrect signing key", func(op *identity.Operation) { op.VerificationMethods["atproto"] = other.DIDKey() }},
		{"Incorrect signing key", func(op *identity.Operation) { delete(op.VerificationMethods, "atproto") }},
		{"Incorrect handle in alsoKnownAs", func(op *identity.Operation) { op.AlsoKnownAs = []string{"at://bob.test", "at://alice.test"} }},
		{"Incorrect handle in alsoKnownAs", func(op *identity.Operation) { op.AlsoKnownAs = nil }},
	}
	for _, tt := range tests {
		op := good()
		tt.mut(&op)
		err := sc.CheckOperation(op)
		var ve *identity.ValidationError
		if !errors.As(err, &ve) || ve.Message != tt.msg || !errors.Is(err, identity.ErrInvalidOperation) {
			t.Errorf("CheckOperation = %v, want %q", err, tt.msg)
		}
	}
	// Without a handle to check, any alsoKnownAs passes.
	noHandle := sc
	noHandle.Handle = atp.Handle{}
	op := good()
	op.AlsoKnownAs = nil
	if err := noHandle.CheckOperation(op); err != nil {
		t.Errorf("no handle: %v", err)
	}

	data := &identity.PLCData{
		DID:                 MustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"),
		RotationKeys:        []string{ourRot.Public().DIDKey()},
		VerificationMethods: map[string]string{"atproto": sk.DIDKey()},
		Services:            map[string]identity.OpService{"atproto_pds": {Type: identity.TypePDS, Endpoint: "https://pds.example.com"}},
	}
	if err := sc.CheckData(data); err != nil {
		t.Errorf("CheckData: %v", err)
	}
	doc, err := data.Document()
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.CheckDocument(doc); err != nil {
		t.Errorf("CheckDocument: %v", err)
	}
	for msg, mut := range map[string]func(d *identity.PLCData){
		"Server rotation key not included in PLC DID data":                        func(d *identity.PLCData) { d.RotationKeys = nil },
		"DID document atproto_pds service endpoint does not match PDS public url": func(d *identity.PLCData) { d.Services = nil },
		"DID document verification method does not match expected signing key":    func(d *identity.PLCData) { d.VerificationMethods = map[string]string{"atproto": other.DIDKey()} },
	} {
		d := *data
		mut(&d)
		var ve *identity.ValidationError
		if err := sc.CheckData(&d); !errors.As(err, &ve) || ve.Message != msg {
			t.Errorf("CheckData = %v, want %q", err, msg)
		}
		if d.RotationKeys == nil {
			continue // documents carry no rotation keys
		}
		doc, err := d.Document()
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.CheckDocument(doc); !errors.As(err, &ve) || ve.Message != msg {
			t.Errorf("CheckDocument = %v, want %q", err, msg)
		}
	}
}
