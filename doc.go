// Package capsule is a typed client for the Capsule CRM v2 REST API.
//
// It covers every resource of the API: parties (people and organisations),
// opportunities, projects (which the API calls kases), tasks, tracks and
// track definitions, entries and attachments, users, teams, the site, tags,
// custom fields, titles, countries, currencies, activity types, task
// categories, lost reasons, pipelines, milestones, boards, stages, REST hooks
// and jobs. The companion package capsuletest is an in-memory Capsule to test
// against, offline.
//
// # Getting started
//
// Create a client with a personal access token (My Preferences → API
// Authentication Tokens in Capsule) and call a service:
//
//	c, err := capsule.NewClient(capsule.WithToken(os.Getenv("CAPSULE_TOKEN")))
//	if err != nil {
//		return err
//	}
//	party, _, err := c.Parties.ReadSingle(ctx, 11587, nil)
//
// NewClient sends nothing over the network. A *Client is safe for concurrent
// use; make one per token and share it. Every method takes a context first
// and returns a *Response (the HTTP response with NextPage, Rate and
// Location) beside its result.
//
// # Authentication
//
// WithToken takes a personal access token. For an OAuth2 application,
// OAuth2Config returns an *oauth2.Config on Capsule's endpoint and
// TokenSource returns a source that refreshes the access token 300 seconds
// before it expires, makes one refresh for any number of concurrent callers,
// and hands every new token to a callback. Capsule may rotate refresh tokens,
// so persist what the callback receives:
//
//	cfg := capsule.OAuth2Config(clientID, secret, redirectURL, capsule.ScopeRead, capsule.ScopeWrite)
//	tok, err := cfg.Exchange(ctx, code)
//	ts := capsule.TokenSource(cfg, tok, func(t *oauth2.Token) { save(t) })
//	c, err := capsule.NewClient(capsule.WithTokenSource(ts))
//
// The token is sent only to the API's own host, never on a redirect
// elsewhere, and never appears in an error or a log line: the client
// secret and the tokens are redacted from refresh errors, a bearer token
// that Capsule echoes is redacted from an *APIError, Response.Request has
// no Authorization header, and printing or logging a token source shows
// no secret. When Capsule answers 401 to a client on TokenSource's source,
// the client refreshes once (one refresh for any number of concurrent
// requests) and replays the request once if its body can be sent again; a
// second 401, a refused refresh or a 401 to a personal token is returned
// as an error matching ErrUnauthorized.
//
// # Reading
//
// Read returns one page; ListOptions picks the page, the page size (1 to
// 100), Since (records changed after a time) and Embed (extra data such as
// EmbedTags and EmbedFields). ReadIter walks every page lazily, 100 records
// a request, and stops sending requests as soon as the loop ends:
//
//	for p, err := range c.Parties.ReadIter(ctx, &capsule.ListOptions{Embed: []string{capsule.EmbedTags}}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(p.DisplayName())
//	}
//
// ReadSingle reads one record, ReadMultiple reads records by id (split into
// requests of ten, results in the order asked), Search matches names, email
// addresses and phone numbers, and Filter runs a structured query. Pages and
// All iterate any paged Read method, with Pages exposing each *Response;
// Collect gathers an iterator into a slice.
//
// # Writing
//
// Each resource has one input type for Create and Update (PartyInput,
// OpportunityInput, KaseInput, TaskInput, ...). Its scalar fields are
// Optional: unset fields are not sent, so an update changes only what is set;
// Set(v) sends a value, even "" or 0; Null clears the field.
//
//	_, _, err := c.Parties.Update(ctx, id, &capsule.PartyInput{
//		JobTitle: capsule.Set("CTO"),
//		About:    capsule.Null[string](),
//	})
//
// Nested collections change item by item: AddEmail, ChangeEmail and
// RemoveEmail (and the same for addresses, phone numbers and websites) add
// an item, change one by id, or remove one. AddTag attaches a tag by name,
// creating it when new; RemoveTag detaches one by id.
//
// # Custom fields
//
// A record read with EmbedFields carries its custom field values in Fields,
// with typed access by field name: Text, Number (Capsule sends numbers as
// strings), Bool, Date, List and Link. To write a value, read the
// definitions once with CustomFields.ReadAll and build the change from them;
// a value of the wrong type, or not among a list field's options, is refused
// before any request:
//
//	defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
//	level, err := defs.Set("Level", "Gold")
//	_, _, err = c.Parties.Update(ctx, id, &capsule.PartyInput{Fields: []capsule.FieldChange{level}})
//
// # Filters
//
// Where builds a filter from Capsule's filter field names (addedOn, not
// createdAt) and operators; conditions are ANDed. An unknown field, or an
// operator that does not fit the field's type, is refused before sending:
//
//	f := capsule.Where("email", capsule.OpContains, "@acme.com").And("addedOn", capsule.OpIsWithinLast, 30)
//	people, _, err := c.Parties.Filter(ctx, f, nil)
//
// # Errors
//
// A 4xx or 5xx response is an *APIError with the status, Capsule's message
// and its field errors. errors.Is matches ErrNotFound, ErrUnauthorized,
// ErrForbidden, ErrValidation and ErrRateLimited; a bad argument is refused
// before any request with an error matching ErrInvalidArgument:
//
//	_, _, err := c.Parties.ReadSingle(ctx, id, nil)
//	if errors.Is(err, capsule.ErrNotFound) {
//		// deleted, or never there
//	}
//
// A broken answer is an error, never a zero value: a missing or null
// envelope key is named in the error, and a success body over
// WithMaxResponseSize (DefaultMaxResponseSize, 32 MiB) fails with
// ErrResponseTooLarge. A write (anything but GET or HEAD) that Capsule
// redirects to another host fails with ErrRedirectRefused instead of
// sending its body there.
//
// # Retries and rate limits
//
// Capsule allows 4,000 requests an hour per user. The client retries
// requests that are safe to repeat (GET, PUT, DELETE and the read-only
// filter POST) after network errors and 502, 503 and 504, with exponential
// backoff and jitter, and retries any request after a 429 by waiting until
// the rate limit resets when that is within a minute; otherwise it returns a
// *RateLimitError that says when the budget returns. A create is never sent
// twice once it may have reached Capsule. Waits end at once when the context
// is cancelled. WithRetryPolicy replaces the policy (DefaultRetryPolicy has
// the knobs) or, with nil, turns retries off.
//
// Client.Rate reports the budget of the latest response. WithPacing(true)
// spreads the remaining budget evenly until the window resets, so a long
// export never meets a 429.
//
// # Incremental sync
//
// Changes (on Parties, Opportunities and Kases) returns a ChangeFeed: what
// was created or changed since a SyncCursor, page by page, then what was
// deleted or became restricted to you. The zero cursor reads everything.
// After a run without error, Cursor is where the next run starts: the start
// of this one by the earlier of Capsule's clock (its Date header) and yours,
// less DefaultSyncOverlap, because Capsule compares since with whole-second
// timestamps and either clock may run ahead:
//
//	feed := c.Parties.Changes(cursor, nil)
//	for ch, err := range feed.All(ctx) {
//		if err != nil {
//			return err // the cursor is unchanged: the next run repeats this one
//		}
//		apply(ch) // ch.Record, ch.Deleted or ch.Restricted
//	}
//	cursor = feed.Cursor() // persist it; it marshals to JSON
//
// What changed in the overlap is delivered again by the next run: upsert
// and delete by id. ListOptions.Since and ReadDeleted remain for reading by
// hand.
//
// # REST hooks and webhooks
//
// Instead of polling, Capsule can POST each change to a URL: a REST hook
// subscribes one event (EventPartyCreated, EventOpportunityClosed, ...) to a
// target URL. RestHooks.Ensure declares the hooks a program needs and makes
// the account match: it subscribes what is missing, unsubscribes what is no
// longer wanted at those target URLs (never touching other URLs), refuses
// before any write when the account would pass MaxRestHooks, and returns a
// HookPlan of what it did; RestHooks.Plan is the same without writing.
// Running Ensure again changes nothing, so it suits a program's start-up:
//
//	plan, _, err := c.RestHooks.Ensure(ctx, []capsule.RestHookInput{
//		{Event: capsule.Set(capsule.EventPartyCreated), TargetURL: capsule.Set(target), Embed: capsule.Set("fields,tags")},
//	})
//
// Capsule lets only an administrator, through a registered OAuth
// application, subscribe or unsubscribe; its refusal matches ErrForbidden.
//
// NewWebhookHandler is the receiving side, an http.Handler for the target
// URL: it decodes each delivery into a WebhookEvent (the records typed as
// Parties, Opportunities, Kases, Tasks or Users) and calls the function
// registered with On for its event. A nil return acknowledges the delivery,
// another error makes Capsule retry it, and ErrHookGone makes Capsule drop
// the hook. Capsule signs nothing: use an unguessable HTTPS URL and re-read
// a record through the API before trusting it.
//
//	h := capsule.NewWebhookHandler().On(func(ctx context.Context, e *capsule.WebhookEvent) error {
//		for _, p := range e.Parties {
//			log.Println("new party", p.ID)
//		}
//		return nil
//	}, capsule.EventPartyCreated)
//	http.Handle("/hooks/x7f9", h)
//
// # Long-running work
//
// Some deletes are done in the background: Capsule answers 202 and the
// response's JobID names the job, which Jobs.Wait polls until it ends.
//
// # Testing
//
// capsuletest.NewServer starts an in-memory Capsule with the API's
// envelopes, status codes, paging, validation, rate limits and OAuth
// endpoints, seeded with data by capsuletest.WithSeed. Point a client at it:
//
//	srv := capsuletest.NewServer(capsuletest.WithSeed(20))
//	defer srv.Close()
//	c, _ := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
//
// The command cmd/capsule-fake serves the same fake on a port, for programs
// written in other languages. The command cmd/capsule works with an account
// (or, with --fake, the fake) from the shell.
//
// # Examples
//
// The repository's examples run against the built-in fake unless
// CAPSULE_TOKEN is set:
//
//   - examples/hello: the smallest program, reading every party;
//   - examples/quickstart: a guided tour of reads and (with --write, or
//     against the fake) writes, search, filters and custom fields;
//   - examples/export: incremental sync with Changes, a cursor file and
//     JSON Lines files;
//   - examples/oauth: the OAuth2 authorization-code flow, token persistence
//     and refresh.
package capsule
