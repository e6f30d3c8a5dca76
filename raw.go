package capsule

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Raw sends a request to any API path, relative to the base URL ("parties"
// or "/parties/12"), through the same core as the services: the token,
// retries, the rate budget and pacing, and errors as *APIError. query may
// be nil; body, when not nil, must be a JSON document and is sent as it is
// (with its envelope, as Capsule wants it). Raw returns the response body
// undecoded, empty for 204 and 202. It is the escape hatch for endpoints the
// services do not cover; a POST is not retried once it may have been
// received, as everywhere.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, body []byte) (json.RawMessage, *Response, error) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return nil, nil, invalidArg("method", "%q is not GET, POST, PUT, PATCH or DELETE", method)
	}
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return nil, nil, invalidArg("path", "must not be empty")
	}
	r := &request{method: method, path: path}
	if query != nil {
		r.query = query
	}
	if body != nil {
		if !json.Valid(body) {
			return nil, nil, invalidArg("body", "is not valid JSON")
		}
		r.in = json.RawMessage(body)
	}
	var out bytes.Buffer
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, resp, err
	}
	return out.Bytes(), resp, nil
}
