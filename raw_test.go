package capsule

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRawGET(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/12", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"tags"}})
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		w.Header().Set("X-RateLimit-Remaining", "41")
		w.Header().Set("X-RateLimit-Limit", "4000")
		writeJSON(t, w, http.StatusOK, `{"party":{"id":12}}`)
	})
	body, resp, err := c.Raw(context.Background(), http.MethodGet, "/parties/12", url.Values{"embed": {"tags"}}, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"party":{"id":12}}`, string(body))
	assert.Equal(t, 41, resp.Rate.Remaining)
}

func TestRawPOSTSendsTheBodyAsItIs(t *testing.T) {
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Content-Type", "application/json")
		testJSONBody(t, r, `{"party":{"type":"organisation","name":"Acme"}}`)
		writeJSON(t, w, http.StatusServiceUnavailable, `{"message":"down"}`)
	})
	mux.HandleFunc("POST /parties", h)
	_, _, err := c.Raw(context.Background(), http.MethodPost, "parties", nil, []byte(`{"party":{"type":"organisation","name":"Acme"}}`))
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Equal(t, int32(1), n.Load(), "a POST that reached the server is not retried")
}

func TestRawNoContent(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc("DELETE /parties/3", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	body, resp, err := c.Raw(context.Background(), http.MethodDelete, "parties/3", nil, nil)
	require.NoError(t, err)
	assert.Empty(t, body)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestRawRejectsBadArgumentsBeforeSending(t *testing.T) {
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	for name, call := range map[string]func() error{
		"method": func() error { _, _, err := c.Raw(context.Background(), "TRACE", "parties", nil, nil); return err },
		"path":   func() error { _, _, err := c.Raw(context.Background(), "GET", "/", nil, nil); return err },
		"dotdot": func() error { _, _, err := c.Raw(context.Background(), "GET", "../oauth/token", nil, nil); return err },
		"query":  func() error { _, _, err := c.Raw(context.Background(), "GET", "parties?page=2", nil, nil); return err },
		"body": func() error {
			_, _, err := c.Raw(context.Background(), "POST", "parties", nil, []byte(`{`))
			return err
		},
	} {
		err := call()
		assert.True(t, errors.Is(err, ErrInvalidArgument), "%s: %v", name, err)
	}
	assert.Zero(t, n.Load())
}
