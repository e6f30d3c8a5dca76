package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// cell is one non-empty value of a row.
type cell struct {
	col string
	val string
}

// rawRow is one data row as read, before its values are checked.
type rawRow struct {
	num   int // data row number, from 1
	line  int // line of the file where it starts
	cells []cell
}

// rowReader streams the data rows of a file.
type rowReader interface {
	// next returns the next row, io.EOF after the last, or a *FileError.
	next() (*rawRow, error)
}

// maxLine bounds one JSON line, so a file without newlines cannot make
// the reader hold all of it.
const maxLine = 16 << 20

// utf8BOM is what spreadsheet programs put before the header of a CSV.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// csvReader reads a CSV file with a header row.
type csvReader struct {
	r      *csv.Reader
	header []string
	n      int
}

// newCSVReader reads the header and checks each name with known.
func newCSVReader(in io.Reader, known func(string) error) (*csvReader, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Line: 1, Err: errors.New("the file is empty: want a header row of column names")}
	}
	if err != nil {
		return nil, csvError(err)
	}
	header = append([]string(nil), header...)
	seen := make(map[string]int, len(header))
	for i, name := range header {
		line, _ := r.FieldPos(i)
		pos := strconv.Itoa(i + 1)
		if !utf8.ValidString(name) {
			return nil, &FileError{Line: line, Column: pos, Err: errors.New("the column name is not valid UTF-8")}
		}
		if name == "" {
			return nil, &FileError{Line: line, Column: pos, Err: errors.New("the column has no name")}
		}
		if j, dup := seen[name]; dup {
			return nil, &FileError{Line: line, Column: pos, Err: fmt.Errorf("column %q is repeated (also column %d)", name, j+1)}
		}
		seen[name] = i
		if err := known(name); err != nil {
			return nil, &FileError{Line: line, Column: name, Err: err}
		}
	}
	r.FieldsPerRecord = len(header)
	return &csvReader{r: r, header: header}, nil
}

func (c *csvReader) next() (*rawRow, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, csvError(err)
	}
	c.n++
	line, _ := c.r.FieldPos(0)
	row := &rawRow{num: c.n, line: line, cells: make([]cell, 0, len(rec))}
	for i, v := range rec {
		if v == "" {
			continue
		}
		if !utf8.ValidString(v) {
			l, _ := c.r.FieldPos(i)
			return nil, &FileError{Line: l, Column: c.header[i], Err: errors.New("the value is not valid UTF-8")}
		}
		row.cells = append(row.cells, cell{c.header[i], v})
	}
	return row, nil
}

// csvError turns encoding/csv's error into a FileError.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = errors.New("wrong number of cells: every row needs one per header column")
			return &FileError{Line: pe.StartLine, Err: msg}
		}
		return &FileError{Line: pe.Line, Column: strconv.Itoa(pe.Column), Err: msg}
	}
	return &FileError{Err: err}
}

// jsonlReader reads one JSON object a line.
type jsonlReader struct {
	r     *bufio.Reader
	known func(string) error
	line  int
	n     int
}

func newJSONLReader(in io.Reader, known func(string) error) *jsonlReader {
	return &jsonlReader{r: bufio.NewReaderSize(in, 64<<10), known: known}
}

func (j *jsonlReader) next() (*rawRow, error) {
	for {
		b, err := j.readLine()
		if err != nil {
			return nil, err
		}
		j.line++
		if j.line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue // blank lines are not rows
		}
		cells, ferr := j.parse(b)
		if ferr != nil {
			return nil, ferr
		}
		j.n++
		return &rawRow{num: j.n, line: j.line, cells: cells}, nil
	}
}

// readLine returns the next line without its newline, or io.EOF.
func (j *jsonlReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := j.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, &FileError{Line: j.line + 1, Err: fmt.Errorf("the line is longer than %d MiB", maxLine>>20)}
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, io.EOF
			}
			return line, nil
		default:
			return nil, &FileError{Line: j.line + 1, Err: err}
		}
	}
}

// parse decodes one line's object into cells; a null or empty string is
// an empty cell.
func (j *jsonlReader) parse(b []byte) ([]cell, error) {
	fail := func(col string, err error) error { return &FileError{Line: j.line, Column: col, Err: err} }
	if !utf8.Valid(b) {
		return nil, fail("", errors.New("the line is not valid UTF-8"))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '{' {
		return nil, fail("", errors.New("the line is not a JSON object"))
	}
	var cells []cell
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(strconv.FormatInt(dec.InputOffset()+1, 10), fmt.Errorf("bad JSON: %v", err))
		}
		key := tok.(string) // inside an object every other token is a key
		if seen[key] {
			return nil, fail(key, fmt.Errorf("key %q is repeated", key))
		}
		seen[key] = true
		if err := j.known(key); err != nil {
			return nil, fail(key, err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fail(key, fmt.Errorf("bad JSON: %v", err))
		}
		s, err := jsonCell(v)
		if err != nil {
			return nil, fail(key, err)
		}
		if s != "" {
			cells = append(cells, cell{key, s})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fail("", fmt.Errorf("bad JSON: %v", err))
	}
	if dec.More() {
		return nil, fail("", errors.New("more than one JSON value on the line"))
	}
	return cells, nil
}

// jsonCell turns a JSON value into the text of a cell: a string as it is,
// a number as written, a boolean as true or false, null as empty, and an
// array of strings (tags) joined by ";".
func jsonCell(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		var out []byte
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				return "", errors.New("an array may only hold strings")
			}
			if i > 0 {
				out = append(out, ';')
			}
			out = append(out, s...)
		}
		return string(out), nil
	}
	return "", errors.New("want a string, number, boolean, null or array of strings, not an object")
}
