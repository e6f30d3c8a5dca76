package capsule_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// Keep a copy of the parties up to date: a full read from the zero cursor,
// then, on later runs, only what changed since the cursor the previous run
// left.
func ExamplePartiesService_Changes() {
	srv := capsuletest.NewServer(capsuletest.WithSeed(10))
	defer srv.Close()
	srv.SetNow(time.Date(2025, 6, 2, 10, 0, 0, 0, time.UTC)) // the fake's clock, for a stable output
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	copyOf := map[int64]*capsule.Party{}
	sync := func(cursor capsule.SyncCursor) capsule.SyncCursor {
		feed := c.Parties.Changes(cursor, nil)
		for ch, err := range feed.All(ctx) {
			if err != nil {
				log.Fatal(err) // the cursor is unchanged: run again from it
			}
			switch {
			case ch.Record != nil:
				copyOf[ch.Record.ID] = ch.Record
			case ch.Deleted != nil:
				delete(copyOf, ch.Deleted.ID)
			case ch.Restricted != nil:
				delete(copyOf, ch.Restricted.ID)
			}
		}
		return feed.Cursor()
	}

	cursor := sync(capsule.SyncCursor{})
	saved, _ := json.Marshal(cursor)
	fmt.Println("parties:", len(copyOf), "cursor:", string(saved))

	// An hour later, someone deletes a party.
	srv.Advance(time.Hour)
	var gone int64
	for id := range copyOf {
		gone = max(gone, id)
	}
	if _, err := c.Parties.Delete(ctx, gone); err != nil {
		log.Fatal(err)
	}

	if err := json.Unmarshal(saved, &cursor); err != nil {
		log.Fatal(err)
	}
	cursor = sync(cursor)
	_, still := copyOf[gone]
	fmt.Println("parties:", len(copyOf), "deleted one still there:", still, "next since:", cursor.Since.Format(time.RFC3339))
	// Output:
	// parties: 15 cursor: {"since":"2025-06-02T09:59:00Z"}
	// parties: 14 deleted one still there: false next since: 2025-06-02T10:59:00Z
}
