package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() {
	registerCommand(func(a *app) *cobra.Command { return hooksType.command(a) })
	registerSubcommand(hooksType.name, hooksSubscribeCommand)
	registerSubcommand(hooksType.name, hooksUnsubscribeCommand)
	registerSubcommand(hooksType.name, func(a *app) *cobra.Command { return hooksDeclareCommand(a, true) })
	registerSubcommand(hooksType.name, func(a *app) *cobra.Command { return hooksDeclareCommand(a, false) })
}

// hooksAdminHint is the hint for Capsule's 403 on REST hooks.
const hooksAdminHint = "REST hooks need an OAuth access token of an account administrator, from a registered OAuth application ('capsule auth login'); a personal access token is refused"

// hookError adds the administrator hint to Capsule's refusal.
func hookError(err error) error {
	if errors.Is(err, capsule.ErrForbidden) {
		return withHint(err, hooksAdminHint)
	}
	return err
}

var hooksType = &recordType[capsule.RestHook]{
	name: "hooks", singular: "REST hook", short: "REST hooks: Capsule POSTs changes to your URL",
	columns: []column[capsule.RestHook]{
		{"id", func(h *capsule.RestHook) any { return h.ID }},
		{"event", func(h *capsule.RestHook) any { return string(h.Event) }},
		{"target_url", func(h *capsule.RestHook) any { return h.TargetURL }},
		{"embed", func(h *capsule.RestHook) any { return h.Embed }},
		{"description", func(h *capsule.RestHook) any { return h.Description }},
		{"batched", func(h *capsule.RestHook) any { return h.Batched }},
		{"user", func(h *capsule.RestHook) any { return userName(h.User) }},
		{"created_at", func(h *capsule.RestHook) any { return h.CreatedAt }},
	},
	defaults: []string{"id", "event", "target_url", "embed", "description"},
	// Capsule returns every hook in one unpaged list.
	list: func(c *capsule.Client, _ *readFlags) capsule.PageFunc[capsule.RestHook] {
		return func(ctx context.Context, _ *capsule.ListOptions) ([]*capsule.RestHook, *capsule.Response, error) {
			hooks, resp, err := c.RestHooks.Read(ctx)
			return hooks, resp, hookError(err)
		}
	},
	get: func(ctx context.Context, c *capsule.Client, id int64, _ *capsule.ReadOptions) (*capsule.RestHook, error) {
		h, _, err := c.RestHooks.ReadSingle(ctx, id)
		return h, hookError(err)
	},
}

// hookFlags are the flags that describe wanted hooks.
type hookFlags struct {
	events                  []string
	url, embed, description string
	data                    string
}

func (hf *hookFlags) add(cmd *cobra.Command, many bool) {
	fs := cmd.Flags()
	events := fmt.Sprintf("the event: one of %s", eventNames())
	if many {
		fs.StringArrayVar(&hf.events, "event", nil, events+" (repeatable)")
		fs.StringVar(&hf.data, "data", "", "the wanted hooks as a JSON array of the SDK's RestHookInput: @FILE, - for stdin, or the JSON itself")
	} else {
		hf.events = make([]string, 1)
		fs.StringVar(&hf.events[0], "event", "", events)
	}
	fs.StringVar(&hf.url, "url", "", "the target URL Capsule POSTs to (use an unguessable https URL: Capsule signs nothing)")
	fs.StringVar(&hf.embed, "embed", "", "extra data in each delivery, such as fields,tags")
	fs.StringVar(&hf.description, "description", "", "a note on what the hook is for")
}

func eventNames() string {
	names := make([]string, 0, len(capsule.HookEvents()))
	for _, e := range capsule.HookEvents() {
		names = append(names, string(e))
	}
	return strings.Join(names, ", ")
}

// wanted returns the hooks the flags (or --data) describe, checked.
func (hf *hookFlags) wanted(a *app) ([]capsule.RestHookInput, error) {
	var want []capsule.RestHookInput
	if hf.data != "" {
		if len(hf.events) > 0 || hf.url != "" {
			return nil, usagef("give the hooks either with --data or with --event and --url, not both")
		}
		if err := a.readDocument(hf.data, &want); err != nil {
			return nil, err
		}
		return want, nil
	}
	if len(hf.events) == 0 || hf.events[0] == "" || hf.url == "" {
		return nil, usagef("want --event and --url")
	}
	for _, e := range hf.events {
		if !capsule.HookEvent(e).Known() {
			return nil, usagef("--event %q is not one of %s", e, eventNames())
		}
		in := capsule.RestHookInput{Event: capsule.Set(capsule.HookEvent(e)), TargetURL: capsule.Set(hf.url)}
		if hf.embed != "" {
			in.Embed = capsule.Set(hf.embed)
		}
		if hf.description != "" {
			in.Description = capsule.Set(hf.description)
		}
		want = append(want, in)
	}
	return want, nil
}

func hooksSubscribeCommand(a *app) *cobra.Command {
	var hf hookFlags
	cmd := &cobra.Command{
		Use:   "subscribe",
		Short: "Subscribe a REST hook (refused when the same one exists)",
		Long: "Subscribe a REST hook: Capsule POSTs the event's changes to the URL. A hook with the same event, URL " +
			"and embed that exists already is not subscribed again. Needs an administrator's OAuth token.",
		Example: "  capsule hooks subscribe --event party/created --url https://example.com/hooks/x7f9 --embed fields,tags",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			want, err := hf.wanted(a)
			if err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			// The plan finds an exact duplicate (and a full account)
			// with the SDK's own matching, before anything is written.
			plan, _, err := c.RestHooks.Plan(cmd.Context(), want)
			if err != nil {
				return hookError(err)
			}
			if len(plan.Keep) > 0 {
				h := plan.Keep[0]
				return withHint(fmt.Errorf("hook %d already sends %s to %s: not subscribed again", h.ID, h.Event, h.TargetURL),
					"'capsule hooks ensure' declares hooks and changes only what differs")
			}
			h, _, err := c.RestHooks.Subscribe(cmd.Context(), &want[0])
			if err != nil {
				return hookError(err)
			}
			fmt.Fprintf(a.stdout, "Subscribed hook %d: %s to %s\n", h.ID, h.Event, h.TargetURL)
			return nil
		},
	}
	hf.add(cmd, false)
	return cmd
}

func hooksUnsubscribeCommand(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:     "unsubscribe ID",
		Short:   "Unsubscribe a REST hook",
		Long:    "Unsubscribe a REST hook. On a terminal it asks first; elsewhere it refuses unless given --yes.",
		Example: "  capsule hooks unsubscribe 42 --yes",
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if err := a.confirm(fmt.Sprintf("unsubscribe hook %d", id), yes); err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := c.RestHooks.Unsubscribe(cmd.Context(), id); err != nil {
				return hookError(err)
			}
			fmt.Fprintf(a.stdout, "Unsubscribed hook %d\n", id)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "unsubscribe without asking")
	return cmd
}

// hooksDeclareCommand is "hooks ensure" (apply) or "hooks plan" (only
// show): the hooks at the given URLs become exactly the wanted ones.
func hooksDeclareCommand(a *app, apply bool) *cobra.Command {
	var hf hookFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what 'hooks ensure' would change, changing nothing",
		Long: "Show what 'hooks ensure' would do with the same flags: which hooks it keeps, adds and removes. " +
			"It reads the hooks and writes nothing.",
		Example: "  capsule hooks plan --url https://example.com/hooks/x7f9 --event party/created --event party/updated",
		Args:    exactArgs(),
	}
	if apply {
		cmd.Use = "ensure"
		cmd.Short = "Make the hooks at the URLs exactly the wanted ones"
		cmd.Long = "Make the REST hooks at the target URLs named exactly the wanted ones: subscribe what is missing, " +
			"unsubscribe what is not wanted at those URLs (hooks at other URLs are never touched). Running it again " +
			"changes nothing. Nothing is written when the account would pass Capsule's 20 hooks. " +
			"Needs an administrator's OAuth token; 'capsule hooks plan' is the dry run."
		cmd.Example = "  capsule hooks ensure --url https://example.com/hooks/x7f9 --event party/created --event party/updated --embed fields\n" +
			"  capsule hooks ensure --data @hooks.json"
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		want, err := hf.wanted(a)
		if err != nil {
			return err
		}
		c, err := a.client(cmd.Context())
		if err != nil {
			return err
		}
		run := c.RestHooks.Plan
		if apply {
			run = c.RestHooks.Ensure
		}
		plan, _, err := run(cmd.Context(), want)
		if plan != nil {
			printHookPlan(a, plan, apply)
		}
		return hookError(err)
	}
	hf.add(cmd, true)
	return cmd
}

// printHookPlan prints a line per hook of the plan: what is kept, added
// (or to add) and removed (or to remove).
func printHookPlan(a *app, p *capsule.HookPlan, applied bool) {
	for _, h := range p.Keep {
		fmt.Fprintf(a.stdout, "keep    %d %s %s\n", h.ID, h.Event, h.TargetURL)
	}
	if applied {
		for _, h := range p.Added {
			fmt.Fprintf(a.stdout, "added   %d %s %s\n", h.ID, h.Event, h.TargetURL)
		}
		for _, h := range p.Removed {
			fmt.Fprintf(a.stdout, "removed %d %s %s\n", h.ID, h.Event, h.TargetURL)
		}
	} else {
		for _, in := range p.Add {
			event, _ := in.Event.Get()
			target, _ := in.TargetURL.Get()
			fmt.Fprintf(a.stdout, "add     %s %s\n", event, target)
		}
		for _, h := range p.Remove {
			fmt.Fprintf(a.stdout, "remove  %d %s %s\n", h.ID, h.Event, h.TargetURL)
		}
	}
	if !p.Changed() {
		fmt.Fprintln(a.stderr, "capsule: the hooks are as wanted; nothing to change")
	}
}
