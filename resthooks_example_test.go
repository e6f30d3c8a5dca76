package capsule_test

import (
	"context"
	"errors"
	"log"
	"net/http"

	"github.com/capsulecrm-go/capsule"
)

// Receive party and user changes, and unsubscribe from anything else by
// answering 410 Gone.
func ExampleWebhookHandler() {
	h := capsule.NewWebhookHandler().
		On(func(ctx context.Context, e *capsule.WebhookEvent) error {
			// Records arrive as JSON; decode them into the model you need.
			for _, raw := range e.Payload {
				log.Printf("%s: %s", e.Event, raw)
			}
			return nil
		}, capsule.EventPartyCreated, capsule.EventPartyUpdated).
		On(func(ctx context.Context, e *capsule.WebhookEvent) error {
			for _, u := range e.Users {
				log.Printf("%s: user %d (%s)", e.Event, u.ID, u.Username)
			}
			return nil
		}, capsule.EventUserUpdated).
		OnOther(func(context.Context, *capsule.WebhookEvent) error {
			return capsule.ErrHookGone // Capsule removes the hook
		})
	http.Handle("/hooks/capsule/x7f9", h)
}

// Subscribe to new opportunities. Only an administrator, through a
// registered OAuth application, may.
func ExampleRestHooksService_Subscribe() {
	c, err := capsule.NewClient(capsule.WithToken("oauth-access-token"))
	if err != nil {
		log.Fatal(err)
	}
	hook, _, err := c.RestHooks.Subscribe(context.Background(), &capsule.RestHookInput{
		Event:     capsule.Set(capsule.EventOpportunityCreated),
		TargetURL: capsule.Set("https://example.com/hooks/capsule/x7f9"),
		Embed:     capsule.Set("fields,tags"),
	})
	if errors.Is(err, capsule.ErrForbidden) {
		log.Fatal("subscribing needs an administrator and a registered OAuth app")
	}
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("hook %d delivers %s to %s", hook.ID, hook.Event, hook.TargetURL)
}

// Declare the hooks a program needs at start-up: the first run subscribes
// them, later runs change nothing, and a changed list is applied. Hooks at
// other target URLs are left alone.
func ExampleRestHooksService_Ensure() {
	c, err := capsule.NewClient(capsule.WithToken("oauth-access-token"))
	if err != nil {
		log.Fatal(err)
	}
	const target = "https://example.com/hooks/capsule/x7f9"
	want := []capsule.RestHookInput{
		{Event: capsule.Set(capsule.EventPartyCreated), TargetURL: capsule.Set(target), Embed: capsule.Set("fields,tags")},
		{Event: capsule.Set(capsule.EventPartyUpdated), TargetURL: capsule.Set(target), Embed: capsule.Set("fields,tags")},
		{Event: capsule.Set(capsule.EventOpportunityClosed), TargetURL: capsule.Set(target)},
	}
	plan, _, err := c.RestHooks.Ensure(context.Background(), want)
	if err != nil {
		// plan (when not nil) says what was done before the failure.
		log.Fatal(err)
	}
	log.Printf("%d hooks kept, %d subscribed, %d unsubscribed", len(plan.Keep), len(plan.Added), len(plan.Removed))
}
