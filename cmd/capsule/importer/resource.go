package importer

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
)

// resource is what the engine does with one record type, through the SDK.
// Records are *capsule.Party, *capsule.Opportunity, *capsule.Kase or
// *capsule.Task, held as any.
type resource struct {
	readMultiple func(ctx context.Context, ids []int64) ([]any, error)
	// filter and list read one page (nil for tasks, which have neither a
	// filter endpoint nor a full list of every status).
	filter func(ctx context.Context, f capsule.Filter, page int) ([]any, int, error)
	list   func(ctx context.Context, page int) ([]any, int, error)
	build  func(r *row, cur any) (in any, changed bool)
	create func(ctx context.Context, in any) (int64, error)
	update func(ctx context.Context, id int64, in any) error
	del    func(ctx context.Context, id int64) error
	id     func(rec any) int64
	// zero is an empty record, to build an update of every cell.
	zero any
	// keys are the record's values of a match ("email", "name" or a
	// custom column's definition), normalised as rowKey normalises a cell.
	keys func(rec any, match string, def *capsule.FieldDefinition) []string
}

type (
	readMultipleFunc[T any] func(context.Context, []int64, *capsule.ReadOptions) ([]*T, *capsule.Response, error)
	pageFunc[T any, O any]  func(context.Context, O, *capsule.ListOptions) ([]*T, *capsule.Response, error)
	listFunc[T any]         func(context.Context, *capsule.ListOptions) ([]*T, *capsule.Response, error)
	createFunc[T, In any]   func(context.Context, *In) (*T, *capsule.Response, error)
	updateFunc[T, In any]   func(context.Context, int64, *In) (*T, *capsule.Response, error)
	deleteFunc              func(context.Context, int64) (*capsule.Response, error)
)

// perPage is the largest page Capsule serves.
const perPage = 100

// makeResource wraps the typed service methods of one record type.
func makeResource[T, In any](embed []string, rm readMultipleFunc[T], filter pageFunc[T, capsule.Filter], list listFunc[T],
	create createFunc[T, In], update updateFunc[T, In], del deleteFunc,
	build func(*row, *T) (*In, bool), id func(*T) int64, keys func(*T, string, *capsule.FieldDefinition) []string,
) *resource {
	anys := func(items []*T) []any {
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = it
		}
		return out
	}
	r := &resource{
		readMultiple: func(ctx context.Context, ids []int64) ([]any, error) {
			items, _, err := rm(ctx, ids, &capsule.ReadOptions{Embed: embed})
			return anys(items), err
		},
		build: func(rw *row, cur any) (any, bool) {
			c, _ := cur.(*T)
			return build(rw, c)
		},
		create: func(ctx context.Context, in any) (int64, error) {
			rec, _, err := create(ctx, in.(*In))
			if err != nil {
				return 0, err
			}
			return id(rec), nil
		},
		update: func(ctx context.Context, rid int64, in any) error {
			_, _, err := update(ctx, rid, in.(*In))
			return err
		},
		del: func(ctx context.Context, rid int64) error {
			_, err := del(ctx, rid)
			return err
		},
		id:   func(rec any) int64 { return id(rec.(*T)) },
		zero: new(T),
		keys: func(rec any, match string, d *capsule.FieldDefinition) []string { return keys(rec.(*T), match, d) },
	}
	if filter != nil {
		r.filter = func(ctx context.Context, f capsule.Filter, page int) ([]any, int, error) {
			items, resp, err := filter(ctx, f, &capsule.ListOptions{Page: page, PerPage: perPage, Embed: embed})
			return anys(items), nextPage(resp), err
		}
	}
	if list != nil {
		r.list = func(ctx context.Context, page int) ([]any, int, error) {
			items, resp, err := list(ctx, &capsule.ListOptions{Page: page, PerPage: perPage, Embed: embed})
			return anys(items), nextPage(resp), err
		}
	}
	return r
}

func nextPage(resp *capsule.Response) int {
	if resp == nil {
		return 0
	}
	return resp.NextPage
}

// fieldKeys is the normalised value of d's field on a record.
func fieldKeys(fields capsule.Fields, d *capsule.FieldDefinition) []string {
	var out []string
	for _, fv := range fields {
		if d != nil && fv.Definition.ID == d.ID {
			out = append(out, normKey(fieldText(fv.Value)))
		}
	}
	return out
}

// normKey makes equal values compare equal: case and surrounding space do
// not count, and numbers compare by value ("3" and "3.0").
func normKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}

func newResource(c *capsule.Client, typ string) *resource {
	embedTF := []string{capsule.EmbedTags, capsule.EmbedFields}
	switch typ {
	case "parties":
		s := c.Parties
		return makeResource(embedTF, s.ReadMultiple, s.Filter, s.Read, s.Create, s.Update, s.Delete, buildParty,
			func(p *capsule.Party) int64 { return p.ID },
			func(p *capsule.Party, match string, d *capsule.FieldDefinition) []string {
				switch match {
				case "email":
					var out []string
					for _, e := range p.EmailAddresses {
						out = append(out, normKey(e.Address))
					}
					return out
				case "name":
					return []string{normKey(p.DisplayName())}
				}
				return fieldKeys(p.Fields, d)
			})
	case "opportunities":
		s := c.Opportunities
		return makeResource(embedTF, s.ReadMultiple, s.Filter, s.Read, s.Create, s.Update, s.Delete, buildOpportunity,
			func(o *capsule.Opportunity) int64 { return o.ID },
			func(o *capsule.Opportunity, match string, d *capsule.FieldDefinition) []string {
				if match == "name" {
					return []string{normKey(o.Name)}
				}
				return fieldKeys(o.Fields, d)
			})
	case "kases":
		s := c.Kases
		return makeResource(embedTF, s.ReadMultiple, s.Filter, s.Read, s.Create, s.Update, s.Delete, buildKase,
			func(k *capsule.Kase) int64 { return k.ID },
			func(k *capsule.Kase, match string, d *capsule.FieldDefinition) []string {
				if match == "name" {
					return []string{normKey(k.Name)}
				}
				return fieldKeys(k.Fields, d)
			})
	}
	s := c.Tasks
	return makeResource[capsule.Task, capsule.TaskInput](nil, s.ReadMultiple, nil, nil, s.Create, s.Update, s.Delete, buildTask,
		func(t *capsule.Task) int64 { return t.ID },
		func(*capsule.Task, string, *capsule.FieldDefinition) []string { return nil })
}

// errChecked is what the checker's transport answers: the request passed
// the SDK's checks and was not sent.
var errChecked = errors.New("checked, not sent")

type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) { return nil, errChecked }

// newChecker returns the resource of typ on a client that sends nothing.
func newChecker(typ string) (*resource, error) {
	c, err := capsule.NewClient(capsule.WithToken("check-only"), capsule.WithBaseURL("http://127.0.0.1/api/v2"),
		capsule.WithHTTPClient(&http.Client{Transport: refuse{}}), capsule.WithRetryPolicy(nil))
	if err != nil {
		return nil, err
	}
	return newResource(c, typ), nil
}
