package lexicon_test

import (
	"fmt"
	"net/url"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/lexicons"
)

func Example() {
	cat, err := lexicon.LoadCatalog(lexicons.FS)
	if err != nil {
		panic(err)
	}

	// A record, as the server decodes it from a createRecord body.
	rec, err := dagcbor.FromJSONObject([]byte(`{"$type": "app.bsky.feed.post",
		"text": "hello", "createdAt": "2024-11-05T19:06:12Z", "langs": ["en", "??"]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(cat.ValidateRecord("app.bsky.feed.post", rec))

	// Query parameters, with defaults filled in.
	params, err := cat.ParseParams("app.bsky.feed.getAuthorFeed", url.Values{"actor": {"alice.test"}})
	fmt.Println(params, err)
	_, err = cat.ParseParams("app.bsky.feed.getAuthorFeed", url.Values{"actor": {"alice.test"}, "limit": {"500"}})
	fmt.Println(err)

	// The validate option of a write.
	check, status, err := cat.WriteValidation("com.example.unknown", nil)
	fmt.Println(check, status, err)
	// Output:
	// Record/langs/1 must be a well-formed BCP 47 language tag
	// map[actor:alice.test filter:posts_with_replies includePins:false limit:50] <nil>
	// invalid parameter "limit": can not be greater than 100
	// false unknown <nil>
}
