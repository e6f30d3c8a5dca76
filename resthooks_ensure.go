package capsule

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// MaxRestHooks is how many REST hooks Capsule allows on one account.
const MaxRestHooks = 20

// HookPlan is what RestHooksService.Ensure did, or what Plan says it would
// do, to make the hooks at the wanted target URLs exactly the wanted ones.
//
// Keep, Add, Remove and Others are the plan, made from one read of the
// account's hooks; Added and Removed are what Ensure carried out. After a
// successful Ensure, Added matches Add one for one and Removed matches
// Remove; after a failed one they say how far it got.
type HookPlan struct {
	// Keep are the existing hooks that match a wanted subscription. They
	// are left as they are.
	Keep []*RestHook
	// Add are the wanted subscriptions the account lacks, in the order
	// they were wanted.
	Add []RestHookInput
	// Remove are the existing hooks at a wanted target URL that match no
	// wanted subscription, or repeat one that is kept.
	Remove []*RestHook
	// Others are the existing hooks at other target URLs. They are never
	// touched, but they count towards MaxRestHooks.
	Others []*RestHook

	// Added are the hooks Ensure subscribed, in the order of Add.
	Added []*RestHook
	// Removed are the hooks of Remove that Ensure unsubscribed (or found
	// already gone), in the order of Remove.
	Removed []*RestHook
}

// Total returns how many hooks the account has (as far as the token can
// see) once the plan is carried out.
func (p *HookPlan) Total() int {
	return len(p.Keep) + len(p.Add) + len(p.Others)
}

// Changed reports whether the plan subscribes or unsubscribes anything.
func (p *HookPlan) Changed() bool {
	return len(p.Add) > 0 || len(p.Remove) > 0
}

// Done reports whether every planned change has been made: true for a plan
// with no changes and after a successful Ensure, false for a Plan with
// changes and after an Ensure that failed midway.
func (p *HookPlan) Done() bool {
	return len(p.Added) == len(p.Add) && len(p.Removed) == len(p.Remove)
}

// hookKey is what makes two subscriptions the same for Ensure.
type hookKey struct {
	event  HookEvent
	target string
	embed  string
}

func (k hookKey) String() string {
	s := string(k.event) + " to " + k.target
	if k.embed != "" {
		s += " with embed " + k.embed
	}
	return s
}

// normalEmbed puts a comma list of embeds in a canonical form: no spaces,
// no empty or repeated items, sorted.
func normalEmbed(s string) string {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), ",")
}

func inputKey(in *RestHookInput) hookKey {
	event, _ := in.Event.Get()
	target, _ := in.TargetURL.Get()
	embed, _ := in.Embed.Get()
	return hookKey{event: event, target: target, embed: normalEmbed(embed)}
}

func hookKeyOf(h *RestHook) hookKey {
	return hookKey{event: h.Event, target: h.TargetURL, embed: normalEmbed(h.Embed)}
}

// Plan reads the account's REST hooks and returns what Ensure(ctx, want)
// would change, without changing anything: a dry run. It returns the same
// errors as Ensure before its first write, and with the limit error it
// returns the plan too, so the caller can see what would not fit.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// GET /resthooks
func (s *RestHooksService) Plan(ctx context.Context, want []RestHookInput) (*HookPlan, *Response, error) {
	if err := checkWantedHooks(want); err != nil {
		return nil, nil, err
	}
	existing, resp, err := s.Read(ctx)
	if err != nil {
		return nil, resp, err
	}
	plan := planHooks(existing, want)
	if n := plan.Total(); n > MaxRestHooks {
		return plan, resp, invalidArg("want", "the account would have %d REST hooks (%d kept, %d added, %d at other target URLs), more than Capsule's limit of %d",
			n, len(plan.Keep), len(plan.Add), len(plan.Others), MaxRestHooks)
	}
	return plan, resp, nil
}

// Ensure makes the account's REST hooks at the target URLs named in want
// exactly the subscriptions in want, and returns what it did. It reads the
// hooks once, then subscribes each wanted (event, target URL, embed) that is
// missing and unsubscribes each hook at one of those target URLs that is not
// wanted (or repeats a wanted one). Hooks at any other target URL are never
// touched. Running it again with the same want changes nothing, so it suits
// a program that declares its hooks at start-up.
//
// A hook matches a wanted subscription when the event and the target URL
// are equal (as strings) and the embed lists hold the same items (order and
// spaces aside).
// The description is not compared: Capsule cannot update a hook, and
// replacing one only for its description would interrupt its deliveries.
// To change a hook's embed, want the new embed: Ensure subscribes the new
// hook before it removes the old one when the account has room, so
// deliveries do not stop.
//
// Nothing is written when want holds a bad entry or the same subscription
// twice, or when the result would exceed MaxRestHooks (20) hooks, counting
// those at other target URLs: these give an ErrInvalidArgument error, the
// last one with the plan. Through a registered OAuth application Capsule
// lists only the hooks that application made, while the limit counts every
// hook of the account, so Capsule may still refuse a subscription (422).
// Use Plan for a dry run.
//
// Only an account administrator, through a registered OAuth application,
// may subscribe or unsubscribe; Capsule's refusal matches ErrForbidden. A
// write that fails stops Ensure: it returns the plan, whose Added and
// Removed say what was done, with the error. A subscription is never sent
// twice (see Subscribe); after a network error it may exist without Ensure
// knowing, and the next Ensure finds it and keeps it. A hook that is already
// gone when Ensure unsubscribes it (404) counts as removed. Run one Ensure
// at a time for a target URL: two at once may both subscribe a missing
// hook, a repeat that the next Ensure removes.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/REST_Hook
// GET /resthooks (then POST /resthooks and DELETE /resthooks/{restHookId} as needed)
func (s *RestHooksService) Ensure(ctx context.Context, want []RestHookInput) (*HookPlan, *Response, error) {
	plan, resp, err := s.Plan(ctx, want)
	if err != nil {
		return plan, resp, err
	}
	subscribe := func() error {
		for i := range plan.Add {
			in := plan.Add[i]
			hook, r, err := s.Subscribe(ctx, &in)
			if r != nil {
				resp = r
			}
			if err != nil {
				return err
			}
			plan.Added = append(plan.Added, hook)
		}
		return nil
	}
	unsubscribe := func() error {
		for _, h := range plan.Remove {
			r, err := s.Unsubscribe(ctx, h.ID)
			if r != nil {
				resp = r
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			plan.Removed = append(plan.Removed, h)
		}
		return nil
	}
	// Subscribing first leaves no gap in the deliveries of a hook being
	// replaced; when the account has no room for that, removing first
	// makes the room.
	first, second := subscribe, unsubscribe
	if len(plan.Keep)+len(plan.Remove)+len(plan.Others)+len(plan.Add) > MaxRestHooks {
		first, second = unsubscribe, subscribe
	}
	err = first()
	if err == nil {
		err = second()
	}
	if err != nil {
		return plan, resp, fmt.Errorf("capsule: REST hooks partly ensured (subscribed %d of %d, unsubscribed %d of %d): %w",
			len(plan.Added), len(plan.Add), len(plan.Removed), len(plan.Remove), err)
	}
	return plan, resp, nil
}

// checkWantedHooks checks every wanted subscription and refuses repeats.
func checkWantedHooks(want []RestHookInput) error {
	if len(want) == 0 {
		return invalidArg("want", "must name at least one subscription: Ensure manages only the target URLs it is given")
	}
	seen := make(map[hookKey]int, len(want))
	for i := range want {
		if err := checkRestHookInput(&want[i]); err != nil {
			var argErr *ArgError
			if errors.As(err, &argErr) {
				return invalidArg(fmt.Sprintf("want[%d].%s", i, argErr.Arg), "%s", argErr.Reason)
			}
			return err
		}
		if want[i].Embed.IsNull() {
			return invalidArg(fmt.Sprintf("want[%d].Embed", i), "must not be null; leave it unset for no embed")
		}
		k := inputKey(&want[i])
		if j, ok := seen[k]; ok {
			return invalidArg(fmt.Sprintf("want[%d]", i), "repeats want[%d] (%s)", j, k)
		}
		seen[k] = i
	}
	return nil
}

// planHooks compares the existing hooks with the wanted ones. Of several
// existing hooks matching one wanted subscription, the oldest (lowest id)
// is kept.
func planHooks(existing []*RestHook, want []RestHookInput) *HookPlan {
	targets := make(map[string]bool, len(want))
	wanted := make(map[hookKey]bool, len(want))
	for i := range want {
		k := inputKey(&want[i])
		targets[k.target] = true
		wanted[k] = true
	}
	sorted := slices.Clone(existing)
	slices.SortStableFunc(sorted, func(a, b *RestHook) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	plan := &HookPlan{}
	found := make(map[hookKey]bool, len(want))
	for _, h := range sorted {
		if h == nil {
			continue
		}
		k := hookKeyOf(h)
		switch {
		case !targets[h.TargetURL]:
			plan.Others = append(plan.Others, h)
		case wanted[k] && !found[k]:
			found[k] = true
			plan.Keep = append(plan.Keep, h)
		default:
			plan.Remove = append(plan.Remove, h)
		}
	}
	for i := range want {
		if !found[inputKey(&want[i])] {
			plan.Add = append(plan.Add, want[i])
		}
	}
	return plan
}

// hookAdminHint explains Capsule's refusals of hook writes.
const hookAdminHint = "only an account administrator, authenticated through a registered OAuth application (not a personal access token) with write access, may manage REST hooks"

// hookWriteError makes Capsule's refusal of a hook write say why and match
// ErrForbidden: a 403, or a 400/422 whose message names the administrator
// or the OAuth application requirement (Capsule does not document which
// status it uses). Other errors are returned as they are.
func hookWriteError(err error) error {
	var apiErr *APIError
	if err == nil || !errors.As(err, &apiErr) {
		return err
	}
	switch apiErr.StatusCode {
	case http.StatusForbidden:
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		if !mentionsHookAccess(apiErr) {
			return err
		}
	default:
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrForbidden, hookAdminHint, err)
}

// mentionsHookAccess reports whether an error body speaks of the
// administrator role or of a registered application.
func mentionsHookAccess(e *APIError) bool {
	texts := []string{e.Message}
	for _, fe := range e.Errors {
		texts = append(texts, fe.Message)
	}
	for _, t := range texts {
		t = strings.ToLower(t)
		for _, word := range []string{"admin", "registered app", "oauth"} {
			if strings.Contains(t, word) {
				return true
			}
		}
	}
	return false
}
