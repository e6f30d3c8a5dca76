package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() { registerCommand(apiCommand) }

const apiLong = `Send a request to any endpoint of the Capsule API and print the response body.
PATH is relative to the API root (/api/v2), with or without a query string.
The request goes through the same client as every command: the token, retries,
the rate budget and its pacing, and errors with hints.

--data sends a JSON body: the document itself, @FILE to read it from a file, or -
to read it from stdin. --paginate follows the pages of a GET list and prints
its records as JSON Lines, one record a line.`

const apiExample = `  capsule api GET /users/current
  capsule api GET 'parties?embed=tags' --paginate
  capsule api POST /parties --data '{"party":{"type":"organisation","name":"Acme"}}'
  capsule api PUT /parties/12 --data @party.json
  echo '{"tag":{"name":"VIP"}}' | capsule api POST /parties/tags --data -`

func apiCommand(a *app) *cobra.Command {
	var (
		data     string
		paginate bool
	)
	cmd := &cobra.Command{
		Use:       "api METHOD PATH",
		Short:     "Send a request to any API endpoint, like gh api",
		Long:      apiLong,
		Example:   apiExample,
		Args:      exactArgs("METHOD", "PATH"),
		ValidArgs: []string{"GET", "POST", "PUT", "DELETE"},
		RunE: func(cmd *cobra.Command, args []string) error {
			method := strings.ToUpper(args[0])
			switch method {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
			default:
				return usagef("api: METHOD must be GET, POST, PUT, PATCH or DELETE, got %q", args[0])
			}
			path, rawQuery, _ := strings.Cut(args[1], "?")
			query, err := url.ParseQuery(rawQuery)
			if err != nil {
				return usagef("api: the query of PATH does not parse: %v", err)
			}
			if strings.Contains(path, "://") {
				return usagef("api: PATH is relative to the API root, such as /parties, got %q", args[1])
			}
			body, err := a.readData(data)
			if err != nil {
				return err
			}
			if paginate && method != http.MethodGet {
				return usagef("api: --paginate needs GET, got %s", method)
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			if paginate {
				return a.apiPaginate(cmd, c, path, query)
			}
			out, _, err := c.Raw(cmd.Context(), method, path, query, body)
			if err != nil {
				return err
			}
			if len(bytes.TrimSpace(out)) == 0 {
				return nil
			}
			_, err = a.stdout.Write(append(bytes.TrimRight(out, "\n"), '\n'))
			return err
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "the JSON body: a document, @FILE, or - for stdin")
	cmd.Flags().BoolVar(&paginate, "paginate", false, "follow every page of a GET list; print its records as JSON Lines")
	return cmd
}

// readData reads --data: the JSON itself, @FILE, or - for stdin. It must be
// valid JSON, checked before anything is sent.
func (a *app) readData(data string) ([]byte, error) {
	var b []byte
	switch {
	case data == "":
		return nil, nil
	case data == "-":
		var err error
		if b, err = io.ReadAll(a.stdin); err != nil {
			return nil, fmt.Errorf("reading --data from stdin: %w", err)
		}
	case strings.HasPrefix(data, "@"):
		var err error
		if b, err = os.ReadFile(data[1:]); err != nil {
			return nil, usagef("--data: %v", err)
		}
	default:
		b = []byte(data)
	}
	if !json.Valid(b) {
		return nil, usagef("--data is not valid JSON")
	}
	return b, nil
}

// apiPaginate prints the records of every page of a list as JSON Lines.
func (a *app) apiPaginate(cmd *cobra.Command, c *capsule.Client, path string, query url.Values) error {
	page := 1
	if p := query.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return usagef("api: page must be a positive number, got %q", p)
		}
		page = n
	}
	if query.Get("perPage") == "" {
		query.Set("perPage", strconv.Itoa(capsule.MaxPerPage))
	}
	bar := a.progress(-1, "api "+path)
	defer bar.Finish()
	for {
		query.Set("page", strconv.Itoa(page))
		body, resp, err := c.Raw(cmd.Context(), http.MethodGet, path, query, nil)
		if err != nil {
			return err
		}
		items, err := listItems(body)
		if err != nil {
			return fmt.Errorf("api --paginate: GET %s: %w", path, err)
		}
		for _, it := range items {
			if _, err := a.stdout.Write(append(compact(it), '\n')); err != nil {
				return err
			}
		}
		bar.Add(len(items))
		if len(items) == 0 || resp.NextPage <= page {
			return nil
		}
		page = resp.NextPage
	}
}

// listItems returns the records of a list body: the array under its
// envelope key ({"parties": [...]}).
func listItems(body []byte) ([]json.RawMessage, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("the response is not a JSON object")
	}
	for _, v := range env {
		var items []json.RawMessage
		if json.Unmarshal(v, &items) == nil {
			return items, nil
		}
	}
	return nil, fmt.Errorf("the response holds no list")
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}
