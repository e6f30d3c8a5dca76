package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/capsulecrm-go/capsule"
)

func fieldsList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("fields list")
	pos, err := a.parse(fs, args, "ENTITY")
	if err != nil {
		return err
	}
	entity := capsule.Entity(pos[0])
	switch pos[0] {
	case "parties", "opportunities", "kases":
	case "projects":
		entity = capsule.EntityKases
	default:
		return usagef("fields list: ENTITY must be parties, opportunities or kases (projects), got %q", pos[0])
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	p := a.printer("ID", "NAME", "TYPE", "OPTIONS", "TAG")
	return printAll(p, c.CustomFields.ReadIter(ctx, entity, nil), 0, func(d *capsule.FieldDefinition) error {
		var tag string
		if d.Tag != nil {
			tag = d.Tag.Name
		}
		return p.record(d, id(d.ID), d.Name, string(d.Type), strings.Join(d.Options, ", "), tag)
	})
}

var hookHeader = []string{"ID", "EVENT", "TARGET", "EMBED", "DESCRIPTION"}

func hookRow(h *capsule.RestHook) []string {
	return []string{id(h.ID), string(h.Event), h.TargetURL, h.Embed, h.Description}
}

func hooksList(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags("hooks list"), args); err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	hooks, _, err := c.RestHooks.Read(ctx)
	if err != nil {
		return err
	}
	p := a.printer(hookHeader...)
	for _, h := range hooks {
		if err := p.record(h, hookRow(h)...); err != nil {
			return err
		}
	}
	return p.done()
}

func hooksSubscribe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("hooks subscribe")
	event := fs.String("event", "", "the `event` to deliver, e.g. party/created")
	target := fs.String("url", "", "the target `URL` Capsule POSTs to")
	embed := fs.String("embed", "", "comma `list` of embeds for the delivered records, e.g. fields,tags")
	description := fs.String("description", "", "a description of the hook")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if !capsule.HookEvent(*event).Known() {
		var known []string
		for _, e := range capsule.HookEvents() {
			known = append(known, string(e))
		}
		if *event == "" {
			return usagef("hooks subscribe: -event is required; one of %s", strings.Join(known, ", "))
		}
		return usagef("hooks subscribe: unknown event %q; want one of %s", *event, strings.Join(known, ", "))
	}
	if u, err := url.Parse(*target); *target == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usagef("hooks subscribe: -url must be an absolute http or https URL, got %q", *target)
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	in := &capsule.RestHookInput{Event: capsule.Set(capsule.HookEvent(*event)), TargetURL: capsule.Set(*target)}
	if *embed != "" {
		in.Embed = capsule.Set(strings.Join(splitList(*embed), ","))
	}
	if *description != "" {
		in.Description = capsule.Set(*description)
	}
	hook, _, err := c.RestHooks.Subscribe(ctx, in)
	if err != nil {
		return err
	}
	p := a.printer(hookHeader...)
	if err := p.record(hook, hookRow(hook)...); err != nil {
		return err
	}
	return p.done()
}

func hooksUnsubscribe(ctx context.Context, a *app, args []string) error {
	pos, err := a.parse(a.flags("hooks unsubscribe"), args, "ID")
	if err != nil {
		return err
	}
	hookID, err := parseID("hooks unsubscribe", pos[0])
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if _, err := c.RestHooks.Unsubscribe(ctx, hookID); err != nil {
		return err
	}
	if a.json {
		return a.printer().record(struct {
			ID           int64 `json:"id"`
			Unsubscribed bool  `json:"unsubscribed"`
		}{hookID, true})
	}
	_, err = fmt.Fprintf(a.stdout, "Unsubscribed REST hook %d\n", hookID)
	return err
}

// rateLine is what rate prints.
type rateLine struct {
	User      string    `json:"user"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
}

func rate(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags("rate"), args); err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	me, resp, err := c.Users.ReadCurrent(ctx, nil)
	if err != nil {
		return err
	}
	r := resp.Rate
	line := rateLine{User: me.Username, Limit: r.Limit, Remaining: r.Remaining, Reset: r.Reset.UTC()}
	p := a.printer("USER", "LIMIT", "REMAINING", "RESETS")
	if err := p.record(line, line.User, strconv.Itoa(r.Limit), strconv.Itoa(r.Remaining), timestamp(r.Reset)); err != nil {
		return err
	}
	return p.done()
}
