package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() { registerCommand(fieldsCommand) }

var fieldDefinitionsType = &recordType[capsule.FieldDefinition]{
	name: "fields",
	columns: []column[capsule.FieldDefinition]{
		{"id", func(d *capsule.FieldDefinition) any { return d.ID }},
		{"name", func(d *capsule.FieldDefinition) any { return d.Name }},
		{"type", func(d *capsule.FieldDefinition) any { return string(d.Type) }},
		{"options", func(d *capsule.FieldDefinition) any { return d.Options }},
		{"tag", func(d *capsule.FieldDefinition) any {
			if d.Tag == nil {
				return nil
			}
			return d.Tag.Name
		}},
	},
	defaults: []string{"id", "name", "type", "options", "tag"},
}

func fieldsCommand(a *app) *cobra.Command {
	cmd := group("fields", "Custom field definitions", "The custom fields of parties, opportunities and projects.",
		"  capsule fields list parties")
	cmd.AddCommand(&cobra.Command{
		Use:       "list ENTITY",
		Short:     "List the custom fields of parties, opportunities or kases (projects)",
		Example:   "  capsule fields list parties\n  capsule fields list projects --output json",
		Args:      exactArgs("ENTITY"),
		ValidArgs: []string{"parties", "opportunities", "kases", "projects"},
		RunE: func(cmd *cobra.Command, args []string) error {
			entity := capsule.Entity(args[0])
			switch args[0] {
			case "parties", "opportunities", "kases":
			case "projects":
				entity = capsule.EntityKases
			default:
				return usagef("fields list: ENTITY must be parties, opportunities or kases (projects), got %q", args[0])
			}
			rt := fieldDefinitionsType
			return rt.printList(cmd.Context(), a, &capsule.ListOptions{}, func(c *capsule.Client) capsule.PageFunc[capsule.FieldDefinition] {
				return func(ctx context.Context, o *capsule.ListOptions) ([]*capsule.FieldDefinition, *capsule.Response, error) {
					return c.CustomFields.Read(ctx, entity, o)
				}
			})
		},
	})
	return cmd
}
