package capsule

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// unpagedQuery is the query of a list that Capsule documents without
// paging: the optional embed, and a page number only when Capsule
// advertises a next page anyway.
type unpagedQuery struct {
	Page  int      `url:"page,omitempty"`
	Embed []string `url:"embed,comma,omitempty"`
}

// readAllUnpaged reads a list that Capsule documents without paging. If
// Capsule pages it anyway (a Link rel="next"), the following pages are read
// too, so the result is always the whole list. The returned Response is the
// last one.
func readAllUnpaged[T any](ctx context.Context, e endpoint[T], path string, embed []string) ([]*T, *Response, error) {
	var items []*T
	var last *Response
	fetch := func(ctx context.Context, lo *ListOptions) ([]*T, *Response, error) {
		q := unpagedQuery{Embed: embed}
		if lo.Page > 1 {
			q.Page = lo.Page
		}
		page, resp, err := e.list(ctx, path, &q)
		last = resp
		return page, resp, err
	}
	for page, err := range Pages(ctx, nil, fetch) {
		if err != nil {
			return nil, last, err
		}
		items = append(items, page.Items...)
	}
	return items, last, nil
}

// checkText validates a string field of an input. A required field must be
// set to a non-blank string; an optional one may be unset, but when set it
// must not be blank or null.
func checkText(arg string, o Optional[string], required bool) error {
	if o.IsNull() {
		return invalidArg(arg, "must not be null")
	}
	v, ok := o.Get()
	if !ok {
		if required {
			return invalidArg(arg, "is required")
		}
		return nil
	}
	if strings.TrimSpace(v) == "" {
		return invalidArg(arg, "must not be empty")
	}
	return nil
}

// checkID validates a positive id argument.
func checkID(arg string, id int64) error {
	if id <= 0 {
		return invalidArg(arg, "must be positive, got %d", id)
	}
	return nil
}

// checkInput rejects a nil input pointer.
func checkInput[T any](in *T) error {
	if in == nil {
		return invalidArg("input", "must not be nil")
	}
	return nil
}

var colourPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// checkTargetURL accepts an absolute http or https URL.
func checkTargetURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalidArg("TargetURL", "must be an absolute http or https URL, got %q", raw)
	}
	return nil
}

// restore brings back the archived record collection/id with
// POST collection/id/restore and decodes the record under key.
func restore[T any](ctx context.Context, c *Client, collection string, id int64, key string) (*T, *Response, error) {
	if err := checkID("id", id); err != nil {
		return nil, nil, err
	}
	v := new(T)
	path := collection + "/" + strconv.FormatInt(id, 10) + "/restore"
	resp, err := c.call(ctx, &request{method: http.MethodPost, path: path, outKey: key}, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}
