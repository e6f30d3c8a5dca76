package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() {
	for _, rt := range referenceTypes {
		registerCommand(rt.command)
	}
	registerCommand(siteCommand)
}

// refRecord is a record of a reference type: the SDK's model, and its
// JSON keys for the columns.
type refRecord struct {
	model  any
	fields map[string]any
}

// MarshalJSON prints the SDK's model, with its key order.
func (r refRecord) MarshalJSON() ([]byte, error) { return json.Marshal(r.model) }

// refRecords turns models into refRecords.
func refRecords[T any](items []*T, resp *capsule.Response, err error) ([]*refRecord, *capsule.Response, error) {
	if err != nil {
		return nil, resp, err
	}
	out := make([]*refRecord, len(items))
	for i, it := range items {
		rec, err := newRefRecord(it)
		if err != nil {
			return nil, resp, err
		}
		out[i] = rec
	}
	return out, resp, nil
}

func newRefRecord(model any) (*refRecord, error) {
	b, err := json.Marshal(model)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &refRecord{model: model, fields: m}, nil
}

// refColumn is the column of a JSON key; a nested object shows its name.
func refColumn(key string) column[refRecord] {
	return column[refRecord]{name: key, value: func(r *refRecord) any {
		v := r.fields[key]
		if obj, ok := v.(map[string]any); ok {
			if name, ok := obj["name"]; ok {
				return name
			}
		}
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			return int64(f)
		}
		return v
	}}
}

// referenceType is a type of the account's settings, read with list (and
// get where the API has it); --fields takes any of the model's JSON keys.
type referenceType struct {
	name, short string
	aliases     []string
	defaults    []string
	// model is the SDK's type of a record: its JSON keys are the columns.
	model reflect.Type
	// list reads one page (or, for the unpaged lists, everything).
	list func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error)
	// get reads one; nil when the API has no such call.
	get func(ctx context.Context, c *capsule.Client, id int64) (any, error)
}

func one[T any](rec *T, _ *capsule.Response, err error) (any, error) { return rec, err }

var referenceTypes = []*referenceType{
	{name: "users", model: reflect.TypeFor[capsule.User](), short: "The account's users", defaults: []string{"id", "username", "name", "status", "timezone"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Users.Read(ctx, nil))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Users.ReadSingle(ctx, id, nil))
		}},
	{name: "teams", model: reflect.TypeFor[capsule.Team](), short: "The account's teams", defaults: []string{"id", "name"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Teams.Read(ctx, nil))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Teams.ReadSingle(ctx, id, nil))
		}},
	{name: "pipelines", model: reflect.TypeFor[capsule.Pipeline](), short: "Sales pipelines", defaults: []string{"id", "name", "description"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Pipelines.Read(ctx, &capsule.PipelineListOptions{ListOptions: *o}))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Pipelines.ReadSingle(ctx, id))
		}},
	{name: "milestones", model: reflect.TypeFor[capsule.Milestone](), short: "Milestones of the pipelines", defaults: []string{"id", "name", "pipeline", "probability", "complete"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Milestones.Read(ctx, o))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Milestones.ReadSingle(ctx, id))
		}},
	{name: "boards", model: reflect.TypeFor[capsule.Board](), short: "Project boards", defaults: []string{"id", "name", "description"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Boards.Read(ctx, &capsule.BoardListOptions{ListOptions: *o}))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Boards.ReadSingle(ctx, id))
		}},
	{name: "stages", model: reflect.TypeFor[capsule.Stage](), short: "Stages of the project boards", defaults: []string{"id", "name", "board", "description"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Stages.Read(ctx, &capsule.StageListOptions{ListOptions: *o}))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Stages.ReadSingle(ctx, id))
		}},
	{name: "tags", model: reflect.TypeFor[capsule.TagDefinition](), short: "Tags of parties (see list --entity)", defaults: []string{"id", "name", "description", "dataTag"}},
	{name: "titles", model: reflect.TypeFor[capsule.PersonTitle](), short: "Titles a person can have (Mr, Dr, ...)", defaults: []string{"id", "title"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Titles.Read(ctx))
		}},
	{name: "countries", model: reflect.TypeFor[capsule.Country](), short: "Country names Capsule accepts in addresses", defaults: []string{"name"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Countries.Read(ctx))
		}},
	{name: "currencies", model: reflect.TypeFor[capsule.Currency](), short: "Currency codes", defaults: []string{"code"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Currencies.Read(ctx))
		}},
	{name: "activity-types", model: reflect.TypeFor[capsule.ActivityType](), short: "Activity types of history entries", aliases: []string{"activitytypes"}, defaults: []string{"id", "name", "updateLastContacted"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.ActivityTypes.Read(ctx, o))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.ActivityTypes.ReadSingle(ctx, id))
		}},
	{name: "categories", model: reflect.TypeFor[capsule.Category](), short: "Task categories", defaults: []string{"id", "name", "colour"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.Categories.Read(ctx, o))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.Categories.ReadSingle(ctx, id))
		}},
	{name: "lost-reasons", model: reflect.TypeFor[capsule.LostReason](), short: "Reasons an opportunity was lost", aliases: []string{"lostreasons"}, defaults: []string{"id", "name"},
		list: func(ctx context.Context, c *capsule.Client, _ *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.LostReasons.Read(ctx))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.LostReasons.ReadSingle(ctx, id))
		}},
	{name: "track-definitions", model: reflect.TypeFor[capsule.TrackDefinition](), short: "Track definitions (task templates)", aliases: []string{"trackdefinitions"}, defaults: []string{"id", "description", "tag", "captureRule"},
		list: func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
			return refRecords(c.TrackDefinitions.Read(ctx, &capsule.TrackDefinitionListOptions{ListOptions: *o}))
		},
		get: func(ctx context.Context, c *capsule.Client, id int64) (any, error) {
			return one(c.TrackDefinitions.ReadSingle(ctx, id))
		}},
}

// tagEntities are the record types that have tags.
var tagEntities = []string{"parties", "opportunities", "kases"}

func (rt *referenceType) command(a *app) *cobra.Command {
	cmd := group(rt.name, rt.short, rt.short+". --fields takes any of the record's JSON keys.",
		fmt.Sprintf("  capsule %s list\n  capsule %s list --output json", rt.name, rt.name), rt.aliases...)
	var entity string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List " + strings.ReplaceAll(rt.name, "-", " "),
		Example: fmt.Sprintf("  capsule %s list\n  capsule %s list --fields %s", rt.name, rt.name, strings.Join(rt.defaults, ",")),
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			listFn := rt.list
			if rt.name == "tags" {
				e, err := tagEntity(entity)
				if err != nil {
					return err
				}
				listFn = func(ctx context.Context, c *capsule.Client, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
					return refRecords(c.Tags.Read(ctx, e, o))
				}
			}
			cols, err := rt.columns(a)
			if err != nil {
				return err
			}
			records := &recordType[refRecord]{name: rt.name, columns: cols}
			for _, c := range records.columns {
				records.defaults = append(records.defaults, c.name)
			}
			return records.printList(cmd.Context(), a, &capsule.ListOptions{}, func(c *capsule.Client) capsule.PageFunc[refRecord] {
				return func(ctx context.Context, o *capsule.ListOptions) ([]*refRecord, *capsule.Response, error) {
					return listFn(ctx, c, o)
				}
			})
		},
	}
	cmd.AddCommand(list)
	if rt.name == "tags" {
		list.Flags().StringVar(&entity, "entity", "parties", "whose tags: parties, opportunities or kases (projects)")
		list.Example = "  capsule tags list\n  capsule tags list --entity opportunities"
	}
	if rt.get != nil {
		cmd.AddCommand(&cobra.Command{
			Use:     "get ID",
			Short:   "Show one of the " + strings.ReplaceAll(rt.name, "-", " "),
			Example: fmt.Sprintf("  capsule %s get 42", rt.name),
			Args:    exactArgs("ID"),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				cols, err := rt.columns(a)
				if err != nil {
					return err
				}
				c, err := a.client(cmd.Context())
				if err != nil {
					return err
				}
				model, err := rt.get(cmd.Context(), c, id)
				if err != nil {
					return err
				}
				rec, err := newRefRecord(model)
				if err != nil {
					return err
				}
				return newPrinter(a, cols, len(a.fields) == 0).single(rec)
			},
		})
	}
	a.addSubcommands(cmd)
	return cmd
}

// columns are --fields or the defaults; a key the model does not have is a
// usage error, found before any request.
func (rt *referenceType) columns(a *app) ([]column[refRecord], error) {
	keys := rt.defaults
	if len(a.fields) > 0 {
		keys = a.fields
	}
	known := jsonKeys(rt.model)
	cols := make([]column[refRecord], len(keys))
	for i, k := range keys {
		k = strings.TrimSpace(k)
		if !slices.Contains(known, k) {
			return nil, usagef("--fields: %s have no key %q; want %s", rt.name, k, strings.Join(known, ", "))
		}
		cols[i] = refColumn(k)
	}
	return cols, nil
}

// jsonKeys lists the JSON keys of a struct type, in field order, with the
// keys of embedded structs in their place.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			keys = append(keys, jsonKeys(f.Type)...)
		case name == "":
			keys = append(keys, f.Name)
		default:
			keys = append(keys, name)
		}
	}
	return keys
}

func tagEntity(s string) (capsule.Entity, error) {
	switch s {
	case "parties", "opportunities", "kases":
		return capsule.Entity(s), nil
	case "projects":
		return capsule.EntityKases, nil
	}
	return "", usagef("--entity must be one of %s (or projects), got %q", strings.Join(tagEntities, ", "), s)
}

// siteType gives the site's columns.
var siteType = &referenceType{name: "site", defaults: []string{"name", "subdomain", "url"}, model: reflect.TypeFor[capsule.Site]()}

// siteCommand prints the account's site: its name, subdomain and URL.
func siteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "site",
		Short:   "Show the account's site (name, subdomain, URL)",
		Example: "  capsule site\n  capsule site --output json",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cols, err := siteType.columns(a)
			if err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			site, _, err := c.Site.Read(cmd.Context())
			if err != nil {
				return err
			}
			rec, err := newRefRecord(site)
			if err != nil {
				return err
			}
			return newPrinter(a, cols, len(a.fields) == 0).single(rec)
		},
	}
}
