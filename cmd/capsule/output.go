package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capsulecrm-go/capsule"
)

// Output formats of --output.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatJSONL = "jsonl"
	formatCSV   = "csv"
)

// format is the output format: --output, else a table on a terminal and
// JSON Lines when piped.
func (a *app) format() string {
	if a.output != "" {
		return a.output
	}
	if a.stdoutTerminal {
		return formatTable
	}
	return formatJSONL
}

// column is one column of a record type: its name (what --fields takes and
// the table header shows) and its value in a record.
type column[T any] struct {
	name  string
	value func(*T) any
}

// printer writes records in the output format. It writes nothing until the
// first record or done, so that a failed request leaves stdout empty.
type printer[T any] struct {
	w       io.Writer
	format  string
	cols    []column[T]
	started bool
	n       int
	tw      *tabwriter.Writer
	csv     *csv.Writer
	// whole prints the SDK's model in JSON, not the chosen columns.
	whole bool
	// buf and enc are reused for every record's JSON.
	buf bytes.Buffer
	enc *json.Encoder
}

// newPrinter prints cols of each record; whole says that JSON output is
// the whole record rather than the columns (no --fields given).
func newPrinter[T any](a *app, cols []column[T], whole bool) *printer[T] {
	return &printer[T]{w: a.stdout, format: a.format(), cols: cols, whole: whole}
}

func (p *printer[T]) start() {
	if p.started {
		return
	}
	p.started = true
	switch p.format {
	case formatTable:
		p.tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		names := make([]string, len(p.cols))
		for i, c := range p.cols {
			names[i] = strings.ToUpper(c.name)
		}
		fmt.Fprintln(p.tw, strings.Join(names, "\t"))
	case formatCSV:
		p.csv = csv.NewWriter(p.w)
		names := make([]string, len(p.cols))
		for i, c := range p.cols {
			names[i] = c.name
		}
		_ = p.csv.Write(names)
	case formatJSON:
		_, _ = io.WriteString(p.w, "[")
	}
}

// record prints one record.
func (p *printer[T]) record(rec *T) error {
	p.start()
	defer func() { p.n++ }()
	switch p.format {
	case formatTable:
		cells := make([]string, len(p.cols))
		for i, c := range p.cols {
			cells[i] = tableCell(text(c.value(rec)))
		}
		_, err := fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
		return err
	case formatCSV:
		cells := make([]string, len(p.cols))
		for i, c := range p.cols {
			cells[i] = text(c.value(rec))
		}
		return p.csv.Write(cells)
	}
	b, err := p.json(rec)
	if err != nil {
		return err
	}
	if p.format == formatJSON {
		sep := "\n  "
		if p.n > 0 {
			sep = ",\n  "
		}
		if _, err := io.WriteString(p.w, sep); err != nil {
			return err
		}
		_, err = p.w.Write(b)
		return err
	}
	_, err = p.w.Write(append(b, '\n'))
	return err
}

// json encodes the whole record, or an object of the chosen columns in
// their order, on one line. The bytes are p.buf's, valid until the next call.
func (p *printer[T]) json(rec *T) ([]byte, error) {
	if p.enc == nil {
		p.enc = json.NewEncoder(&p.buf)
		p.enc.SetEscapeHTML(false)
	}
	p.buf.Reset()
	if p.whole {
		if err := p.encode(rec); err != nil {
			return nil, err
		}
		return p.buf.Bytes(), nil
	}
	p.buf.WriteByte('{')
	for i, c := range p.cols {
		if i > 0 {
			p.buf.WriteByte(',')
		}
		if err := p.encode(c.name); err != nil {
			return nil, err
		}
		p.buf.WriteByte(':')
		if err := p.encode(jsonValue(c.value(rec))); err != nil {
			return nil, err
		}
	}
	p.buf.WriteByte('}')
	return p.buf.Bytes(), nil
}

// encode appends v to p.buf without the newline Encode ends it with.
func (p *printer[T]) encode(v any) error {
	if err := p.enc.Encode(v); err != nil {
		return err
	}
	p.buf.Truncate(p.buf.Len() - 1)
	return nil
}

// done ends the output: the header of an empty table, the closing bracket.
func (p *printer[T]) done() error {
	p.start()
	switch p.format {
	case formatTable:
		return p.tw.Flush()
	case formatCSV:
		p.csv.Flush()
		return p.csv.Error()
	case formatJSON:
		end := "]\n"
		if p.n > 0 {
			end = "\n]\n"
		}
		_, err := io.WriteString(p.w, end)
		return err
	}
	return nil
}

// single prints one record: a two-column table of the columns on a
// terminal, the record itself in JSON (an object, not an array).
func (p *printer[T]) single(rec *T) error {
	switch p.format {
	case formatTable:
		tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		for _, c := range p.cols {
			fmt.Fprintf(tw, "%s\t%s\n", strings.ToUpper(c.name), tableCell(text(c.value(rec))))
		}
		return tw.Flush()
	case formatCSV:
		if err := p.record(rec); err != nil {
			return err
		}
		return p.done()
	}
	b, err := p.json(rec)
	if err != nil {
		return err
	}
	if p.format == formatJSON {
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return err
		}
		b = out.Bytes()
	}
	_, err = p.w.Write(append(b, '\n'))
	return err
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// jsonValue is v as JSON should carry it: nil pointers as null, dates as
// their string.
func jsonValue(v any) any {
	switch v := v.(type) {
	case *string:
		if v == nil {
			return nil
		}
		return *v
	case *capsule.Date:
		if v == nil || v.IsZero() {
			return nil
		}
		return v.String()
	case *time.Time:
		if v == nil {
			return nil
		}
		return v.UTC()
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return v.UTC()
	case *int:
		if v == nil {
			return nil
		}
		return *v
	}
	return v
}

// text is v as a table or CSV cell.
func text(v any) string {
	switch v := jsonValue(v).(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(time.RFC3339)
	case []string:
		return strings.Join(v, ", ")
	case fmt.Stringer:
		return v.String()
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// tableCell keeps a cell on one line, and shows an empty one as "-".
func tableCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}
