package capsule

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// HookEvent names a change Capsule can report to a REST hook, e.g.
// "party/created". The constants below are every event Capsule documents.
type HookEvent string

// REST hook events. Capsule sends no events for entries, tracks, pipelines
// or other records, and no task/deleted event.
const (
	EventPartyCreated HookEvent = "party/created"
	EventPartyUpdated HookEvent = "party/updated"
	EventPartyDeleted HookEvent = "party/deleted"

	EventKaseCreated HookEvent = "kase/created"
	EventKaseUpdated HookEvent = "kase/updated"
	EventKaseDeleted HookEvent = "kase/deleted"
	EventKaseClosed  HookEvent = "kase/closed"
	// EventKaseMoved fires when a project moves to another stage.
	EventKaseMoved HookEvent = "kase/moved"

	EventOpportunityCreated HookEvent = "opportunity/created"
	EventOpportunityUpdated HookEvent = "opportunity/updated"
	EventOpportunityDeleted HookEvent = "opportunity/deleted"
	EventOpportunityClosed  HookEvent = "opportunity/closed"
	// EventOpportunityMoved fires when an opportunity moves to another
	// milestone.
	EventOpportunityMoved HookEvent = "opportunity/moved"

	EventTaskCreated   HookEvent = "task/created"
	EventTaskUpdated   HookEvent = "task/updated"
	EventTaskCompleted HookEvent = "task/completed"

	EventUserCreated HookEvent = "user/created"
	EventUserUpdated HookEvent = "user/updated"
	EventUserDeleted HookEvent = "user/deleted"
)

// HookEvents returns every documented REST hook event.
func HookEvents() []HookEvent {
	return []HookEvent{
		EventPartyCreated, EventPartyUpdated, EventPartyDeleted,
		EventKaseCreated, EventKaseUpdated, EventKaseDeleted, EventKaseClosed, EventKaseMoved,
		EventOpportunityCreated, EventOpportunityUpdated, EventOpportunityDeleted,
		EventOpportunityClosed, EventOpportunityMoved,
		EventTaskCreated, EventTaskUpdated, EventTaskCompleted,
		EventUserCreated, EventUserUpdated, EventUserDeleted,
	}
}

// Known reports whether e is one of the documented events.
func (e HookEvent) Known() bool {
	for _, k := range HookEvents() {
		if e == k {
			return true
		}
	}
	return false
}

// Entity returns the record type the event is about: "party", "kase",
// "opportunity", "task" or "user" (the part before the slash).
func (e HookEvent) Entity() string {
	entity, _, _ := strings.Cut(string(e), "/")
	return entity
}

// Action returns what happened: "created", "updated", "deleted", "closed",
// "moved" or "completed" (the part after the slash).
func (e HookEvent) Action() string {
	_, action, _ := strings.Cut(string(e), "/")
	return action
}

// RestHook is a subscription that makes Capsule POST one event's changes to
// a URL. See WebhookHandler for the receiving side.
type RestHook struct {
	ID int64 `json:"id"`
	// User is the administrator who created the hook.
	User *UserRef `json:"user"`
	// ClientID is the OAuth application that manages the hook.
	ClientID    int64     `json:"clientId"`
	Description string    `json:"description"`
	Event       HookEvent `json:"event"`
	TargetURL   string    `json:"targetUrl"`
	// Embed is the comma list of embeds applied to delivered records, e.g.
	// "fields,tags,owner".
	Embed string `json:"embed"`
	// Batched reports whether one delivery may carry several records.
	Batched   bool      `json:"batched"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// RestHookInput is the body of a REST hook subscription. Event and
// TargetURL are required.
type RestHookInput struct {
	Event Optional[HookEvent] `json:"event,omitzero"`
	// TargetURL must accept POSTed JSON; use an unguessable HTTPS URL, since
	// Capsule signs nothing.
	TargetURL   Optional[string] `json:"targetUrl,omitzero"`
	Description Optional[string] `json:"description,omitzero"`
	// Embed is a comma list such as "fields,tags" applied to the records
	// in each delivery.
	Embed Optional[string] `json:"embed,omitzero"`
}

func (s *RestHooksService) endpoint() endpoint[RestHook] {
	return newEndpoint[RestHook](s.client, "resthooks", "restHook", "restHooks")
}

// Read returns every REST hook. Through a registered OAuth application,
// Capsule shows only the hooks that application created.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// GET /resthooks
func (s *RestHooksService) Read(ctx context.Context) ([]*RestHook, *Response, error) {
	return readAllUnpaged(ctx, s.endpoint(), "", nil)
}

// ReadSingle returns the REST hook with the given id.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// GET /resthooks/{restHookId}
func (s *RestHooksService) ReadSingle(ctx context.Context, id int64) (*RestHook, *Response, error) {
	return s.endpoint().get(ctx, id, nil)
}

// Subscribe creates a REST hook: from now on Capsule POSTs in.Event's
// changes to in.TargetURL (see WebhookHandler). in.Event must be one of the
// Event... constants and in.TargetURL an absolute http(s) URL. Only an
// account administrator, through a registered OAuth application (not a
// personal token), may subscribe: Capsule's refusal matches ErrForbidden
// and says so. An account has at most MaxRestHooks (20) hooks, one event
// each. Capsule has no update: unsubscribe and subscribe again, or declare
// the hooks you want with Ensure.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// POST /resthooks
func (s *RestHooksService) Subscribe(ctx context.Context, in *RestHookInput) (*RestHook, *Response, error) {
	if err := checkRestHookInput(in); err != nil {
		return nil, nil, err
	}
	hook, resp, err := s.endpoint().create(ctx, in, nil)
	return hook, resp, hookWriteError(err)
}

// Unsubscribe deletes the REST hook with the given id; deliveries stop at
// once. A receiver can also unsubscribe by answering 410 Gone (see
// ErrHookGone). Like Subscribe, it needs an account administrator through
// a registered OAuth application; Capsule's refusal matches ErrForbidden.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// DELETE /resthooks/{restHookId}
func (s *RestHooksService) Unsubscribe(ctx context.Context, id int64) (*Response, error) {
	resp, err := s.endpoint().delete(ctx, id)
	return resp, hookWriteError(err)
}

func checkRestHookInput(in *RestHookInput) error {
	if err := checkInput(in); err != nil {
		return err
	}
	event, ok := in.Event.Get()
	if !ok {
		return invalidArg("Event", "is required")
	}
	if !event.Known() {
		return invalidArg("Event", "%q is not a Capsule REST hook event", string(event))
	}
	if err := checkText("TargetURL", in.TargetURL, true); err != nil {
		return err
	}
	target, _ := in.TargetURL.Get()
	return checkTargetURL(target)
}

// checkTargetURL accepts an absolute http or https URL.
func checkTargetURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalidArg("TargetURL", "must be an absolute http or https URL, got %q", raw)
	}
	return nil
}
