package capsule

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var restHook101 = &RestHook{
	ID: 101, User: &UserRef{ID: 61, Username: "scottspacey", Name: "Scott Spacey"}, ClientID: 12,
	Description: "Sync parties", Event: EventPartyCreated, TargetURL: "https://hooks.example.com/capsule/x7f9",
	Embed: "fields,tags", Batched: true,
	CreatedAt: utc(2022, 7, 8, 9, 10, 11), UpdatedAt: utc(2022, 7, 8, 9, 10, 12),
}

func TestRestHooksService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /resthooks", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "resthooks/list.json")
	})
	hooks, _, err := c.RestHooks.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*RestHook{restHook101, {
		ID: 102, User: nil, ClientID: 12, Event: EventOpportunityMoved, TargetURL: "https://hooks.example.com/capsule/q2",
		Batched: true, CreatedAt: utc(2022, 7, 8, 9, 10, 11), UpdatedAt: utc(2022, 7, 8, 9, 10, 11),
	}}, hooks)
}

func TestRestHooksService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /resthooks/101", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "resthooks/show.json")
	})
	hook, _, err := c.RestHooks.ReadSingle(t.Context(), 101)
	require.NoError(t, err)
	assert.Equal(t, restHook101, hook)
}

func TestRestHooksService_Subscribe(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /resthooks", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"restHook":{"event":"party/created","targetUrl":"https://hooks.example.com/capsule/x7f9",
			"description":"Sync parties","embed":"fields,tags"}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/resthooks/101")
		serveFixture(t, w, http.StatusCreated, "resthooks/show.json")
	})
	hook, resp, err := c.RestHooks.Subscribe(t.Context(), &RestHookInput{
		Event: Set(EventPartyCreated), TargetURL: Set("https://hooks.example.com/capsule/x7f9"),
		Description: Set("Sync parties"), Embed: Set("fields,tags"),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/resthooks/101", resp.Location)
	assert.Equal(t, restHook101, hook)
}

// Subscribe is a POST that creates: it is not retried after a 502.
func TestRestHooksService_SubscribeNotRetried(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusBadGateway, `{"message":"bad gateway"}`)
	})
	mux.HandleFunc("POST /resthooks", h)
	_, _, err := c.RestHooks.Subscribe(t.Context(), &RestHookInput{
		Event: Set(EventTaskCompleted), TargetURL: Set("https://hooks.example.com/t"),
	})
	require.Error(t, err)
	assert.Equal(t, int32(1), n.Load())
}

func TestRestHooks_InvalidArguments(t *testing.T) {
	t.Parallel()
	sub := func(in *RestHookInput) func(ctx context.Context, c *Client) error {
		return func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.Subscribe(ctx, in)) }
	}
	good := "https://hooks.example.com/x"
	assertNoRequestOnBadArgs(t, []refCase{
		{"single 0", func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.ReadSingle(ctx, 0)) }},
		{"unsubscribe 0", func(ctx context.Context, c *Client) error { return ignore1(c.RestHooks.Unsubscribe(ctx, 0)) }},
		{"subscribe nil", sub(nil)},
		{"no event", sub(&RestHookInput{TargetURL: Set(good)})},
		{"null event", sub(&RestHookInput{Event: Null[HookEvent](), TargetURL: Set(good)})},
		{"empty event", sub(&RestHookInput{Event: Set(HookEvent("")), TargetURL: Set(good)})},
		{"unknown event", sub(&RestHookInput{Event: Set(HookEvent("task/deleted")), TargetURL: Set(good)})},
		{"no target", sub(&RestHookInput{Event: Set(EventPartyCreated)})},
		{"empty target", sub(&RestHookInput{Event: Set(EventPartyCreated), TargetURL: Set("")})},
		{"relative target", sub(&RestHookInput{Event: Set(EventPartyCreated), TargetURL: Set("/hooks")})},
		{"ftp target", sub(&RestHookInput{Event: Set(EventPartyCreated), TargetURL: Set("ftp://example.com/x")})},
		{"no host", sub(&RestHookInput{Event: Set(EventPartyCreated), TargetURL: Set("https:///x")})},
	})
}

func TestRestHooks_ErrorMapping(t *testing.T) {
	t.Parallel()
	assertErrorMapping(t, []refCase{
		{"hooks", func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.Read(ctx)) }},
		{"hook", func(ctx context.Context, c *Client) error { return ignore2(c.RestHooks.ReadSingle(ctx, 1)) }},
		{"subscribe", func(ctx context.Context, c *Client) error {
			return ignore2(c.RestHooks.Subscribe(ctx, &RestHookInput{Event: Set(EventUserDeleted), TargetURL: Set("http://example.com/h")}))
		}},
		{"unsubscribe", func(ctx context.Context, c *Client) error { return ignore1(c.RestHooks.Unsubscribe(ctx, 1)) }},
	})
}
