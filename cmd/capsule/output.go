package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capsulecrm-go/capsule"
)

// printer writes records as table rows or as JSON Lines.
type printer struct {
	json bool
	enc  *json.Encoder
	tw   *tabwriter.Writer
}

// printer starts the output of a command; header names the table columns.
func (a *app) printer(header ...string) *printer {
	p := &printer{json: a.json}
	if a.json {
		p.enc = json.NewEncoder(a.stdout)
		p.enc.SetEscapeHTML(false)
		return p
	}
	p.tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		p.row(header...)
	}
	return p
}

// record prints v as JSON, or cells as a table row.
func (p *printer) record(v any, cells ...string) error {
	if p.json {
		return p.enc.Encode(v)
	}
	p.row(cells...)
	return nil
}

func (p *printer) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
}

// done flushes the table.
func (p *printer) done() error {
	if p.tw != nil {
		return p.tw.Flush()
	}
	return nil
}

// cell keeps a table cell on one line, and shows an empty one as "-".
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func date(d *capsule.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.String()
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func tagNames(tags []capsule.Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func fieldValues(fields capsule.Fields) string {
	var parts []string
	for _, f := range fields {
		v := "null"
		if f.Value != nil {
			v = fmt.Sprint(f.Value)
		}
		parts = append(parts, f.Definition.Name+"="+v)
	}
	return strings.Join(parts, "; ")
}

func partyName(p *capsule.Party) string {
	if p == nil {
		return ""
	}
	return p.DisplayName()
}

func money(m *capsule.Money) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(strconv.FormatFloat(m.Amount, 'f', 2, 64) + " " + m.Currency)
}
