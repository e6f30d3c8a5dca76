package main

import (
	"time"

	"github.com/spf13/cobra"
)

func init() { registerCommand(rateCommand) }

// rateLine is what rate prints.
type rateLine struct {
	User      string    `json:"user"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
}

var rateColumns = []column[rateLine]{
	{"user", func(r *rateLine) any { return r.User }},
	{"limit", func(r *rateLine) any { return r.Limit }},
	{"remaining", func(r *rateLine) any { return r.Remaining }},
	{"reset", func(r *rateLine) any { return r.Reset }},
}

func rateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rate",
		Short:   "Show the request budget left (costs one request)",
		Long:    "Capsule allows each user 4,000 requests an hour. rate reads the current user, which costs one request, and prints the budget the answer reported.",
		Example: "  capsule rate\n  capsule rate --output json",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			me, resp, err := c.Users.ReadCurrent(cmd.Context())
			if err != nil {
				return err
			}
			r := resp.Rate
			line := &rateLine{User: me.Username, Limit: r.Limit, Remaining: r.Remaining, Reset: r.Reset.UTC()}
			p := newPrinter(a, rateColumns, false)
			if err := p.record(line); err != nil {
				return err
			}
			return p.done()
		},
	}
}
