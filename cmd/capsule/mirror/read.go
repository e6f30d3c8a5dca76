package mirror

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/capsulecrm-go/capsule"
)

// anyPages turns a typed page function into one of records as any, so
// that one loop reads every type.
func anyPages[T any](fn capsule.PageFunc[T]) capsule.PageFunc[any] {
	return func(ctx context.Context, o *capsule.ListOptions) ([]*any, *capsule.Response, error) {
		items, resp, err := fn(ctx, o)
		out := make([]*any, len(items))
		for i, it := range items {
			var v any = it
			out[i] = &v
		}
		return out, resp, err
	}
}

// pages returns the page function of a type read page by page, or nil for
// the small types read whole.
func pages(c *capsule.Client, t Type) capsule.PageFunc[any] {
	switch t {
	case Parties:
		return anyPages(c.Parties.Read)
	case Opportunities:
		return anyPages(c.Opportunities.Read)
	case Kases:
		return anyPages(c.Kases.Read)
	case Tasks:
		all := []capsule.TaskStatus{capsule.TaskStatusOpen, capsule.TaskStatusCompleted, capsule.TaskStatusPending}
		return anyPages(func(ctx context.Context, o *capsule.ListOptions) ([]*capsule.Task, *capsule.Response, error) {
			return c.Tasks.Read(ctx, &capsule.TaskListOptions{ListOptions: *o, Status: all})
		})
	case Entries:
		return anyPages(c.Entries.Read)
	}
	return nil
}

// listOptions are what a type's lists are read with: pages of 100, custom
// fields and tags embedded where the type has them.
func listOptions(t Type, page int, since time.Time) *capsule.ListOptions {
	o := &capsule.ListOptions{Page: page, PerPage: capsule.MaxPerPage, Since: since}
	if t.Entity() != "" {
		o.Embed = embeds
	}
	return o
}

// readSmall reads a small type whole. more, when not nil, says whether n
// more requests fit the run's budget.
func readSmall(ctx context.Context, c *capsule.Client, t Type, more func(n int64) bool) ([]any, error) {
	switch t {
	case Users:
		us, _, err := c.Users.Read(ctx, nil)
		return toAny(us), err
	case Teams:
		ts, _, err := c.Teams.Read(ctx, nil)
		return toAny(ts), err
	case Pipelines:
		ps, err := capsule.Collect(c.Pipelines.ReadIter(ctx, nil))
		return toAny(ps), err
	case Milestones:
		ps, err := capsule.Collect(c.Pipelines.ReadIter(ctx, nil))
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range ps {
			if more != nil && !more(1) {
				return nil, errStopped
			}
			ms, err := capsule.Collect(c.Milestones.ForPipelineIter(ctx, p.ID, nil))
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.Pipeline == nil { // a pipeline's list may leave it out
					m.Pipeline = &capsule.NamedRef{ID: p.ID, Name: p.Name}
				}
				out = append(out, m)
			}
		}
		return out, nil
	case Boards:
		bs, err := capsule.Collect(c.Boards.ReadIter(ctx, nil))
		return toAny(bs), err
	case Stages:
		ss, err := capsule.Collect(c.Stages.ReadIter(ctx, nil))
		return toAny(ss), err
	}
	return nil, fmt.Errorf("mirror: unknown type %q", t)
}

func toAny[T any](items []*T) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

// Read reads every record of t as Sync does (pages of 100, custom fields
// and tags embedded) and hands them to fn a page at a time; each record is
// a pointer to the type's model (*capsule.Party, ...). A non-zero since
// keeps only the records changed after it, which Capsule offers for
// parties, opportunities and kases only.
func Read(ctx context.Context, c *capsule.Client, t Type, since time.Time, fn func(page []any) error) error {
	if !since.IsZero() && t.Entity() == "" {
		return fmt.Errorf("mirror: %s cannot be read since a time: only parties, opportunities and kases can", t)
	}
	read := pages(c, t)
	if read == nil {
		recs, err := readSmall(ctx, c, t, nil)
		if err != nil {
			return err
		}
		return fn(recs)
	}
	for page, err := range capsule.Pages(ctx, listOptions(t, 1, since), read) {
		if err != nil {
			return err
		}
		recs := make([]any, len(page.Items))
		for i, it := range page.Items {
			recs[i] = *it
		}
		if err := fn(recs); err != nil {
			return err
		}
	}
	return nil
}

// ReadDefinitions reads the custom field definitions of the entities of
// types, for NewSchema.
func ReadDefinitions(ctx context.Context, c *capsule.Client, types []Type) (map[capsule.Entity][]*capsule.FieldDefinition, error) {
	defs := map[capsule.Entity][]*capsule.FieldDefinition{}
	for _, t := range types {
		if e := t.Entity(); e != "" {
			ds, err := c.CustomFields.ReadAll(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("reading the custom fields of %s: %w", e, err)
			}
			defs[e] = ds
		}
	}
	return defs, nil
}

// FormatValue writes a row's value as text, as the CSV export does: NULL
// is "", times RFC 3339 in UTC, booleans true or false, numbers in the
// shortest form that reads back the same.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}
