package atp_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/boltsky/boltsky/atp"
)

func ExampleParseATURI() {
	u, err := atp.ParseATURI("at://Alice.Test/app.bsky.feed.post/3jzfcijpj2z2a")
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	fmt.Println(u.Authority().Handle(), u.Collection().Authority(), u.RecordKey())

	_, err = atp.ParseATURI("at://alice.test/app.bsky.feed.post/a/b")
	fmt.Println(errors.Is(err, atp.ErrInvalidATURI), errors.Is(err, atp.ErrInvalidRecordKey))
	// Output:
	// at://alice.test/app.bsky.feed.post/3jzfcijpj2z2a
	// alice.test feed.bsky.app 3jzfcijpj2z2a
	// true true
}

func ExampleClock() {
	// A frozen time source: the clock still issues increasing TIDs.
	now := func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
	c := atp.NewClock(0, now)

	// Seed from the repository's last stored rev, as after a restart.
	last, _ := atp.ParseTID("3kho4ok3bps2a")
	c.Observe(last)

	a, b := c.Next(), c.Next()
	fmt.Println(a.Compare(last) > 0, b.Compare(a) > 0)
	// Output: true true
}

func ExampleNewDatetime() {
	d, err := atp.NewDatetime(time.Date(1985, 4, 12, 23, 20, 50, 123456789, time.FixedZone("", -7*3600)))
	if err != nil {
		panic(err)
	}
	fmt.Println(d)
	// Output: 1985-04-13T06:20:50.123Z
}
